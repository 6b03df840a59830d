//! Workload identity: what credentials a compromised workload holds.

use std::collections::BTreeMap;

use crate::graph::{AttackGraph, Evidence, id};
use crate::index::{Index, WorkloadNode};
use crate::snapshot::{PodSpec, WorkloadKind};
use crate::techniques::technique;

technique!(
    POD_SA_TOKEN,
    "Pod has its service account token mounted",
    Some("T1528"),
    1.0,
    "Set automountServiceAccountToken: false on the pod spec (or the ServiceAccount) when the workload does not call the Kubernetes API."
);
technique!(
    POD_MOUNTS_SECRET,
    "Pod mounts a Secret",
    Some("T1552.007"),
    1.0,
    "Mount only the secrets the workload needs; prefer short-lived credentials."
);
technique!(
    SECRET_SA_TOKEN,
    "Secret holds a legacy service account token",
    Some("T1528"),
    1.0,
    "Delete legacy kubernetes.io/service-account-token Secrets; use projected, bound tokens."
);
technique!(
    SHARED_PROCESS_NS,
    "Pod shares one process namespace between its containers",
    Some("T1055"),
    0.7,
    "Remove shareProcessNamespace: true from the pod spec."
);

/// Where a workload kind keeps its pod template, as a field-path prefix (empty for a Pod,
/// whose own `metadata` and `spec` are the pod's).
pub(crate) fn pod_template_path(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Pod => "",
        WorkloadKind::CronJob => "spec.jobTemplate.spec.template.",
        _ => "spec.template.",
    }
}

/// The field path of a workload's pod spec (`spec`, `spec.template.spec`, ...).
pub(crate) fn pod_spec_path(w: &WorkloadNode) -> String {
    format!("{}spec", pod_template_path(w.spec.kind()))
}

/// The field path of a workload's pod labels (`metadata.labels`, `spec.template.metadata.labels`).
pub(crate) fn pod_labels_path(w: &WorkloadNode) -> String {
    format!("{}metadata.labels", pod_template_path(w.spec.kind()))
}

/// A service account token that a workload's pods hold, and the fields that put it there.
#[derive(Debug, Clone, PartialEq)]
pub struct MountedToken {
    /// `sa:NS/NAME` of the token's service account.
    pub service_account: String,
    /// The fields that decided it (the automount setting that won, and any projected token).
    pub evidence: Vec<Evidence>,
    /// What to change so the pods no longer hold the token.
    pub remediation: String,
}

/// The service account token the workload's pods hold, if any.
///
/// The legacy automounted token is there when the pod spec's `automountServiceAccountToken`
/// says so; when the pod spec leaves it unset, the ServiceAccount's setting decides; when
/// neither sets it, it is mounted (the API server's default). Independently of that, a
/// `projected` volume with a `serviceAccountToken` source whose audience the API server
/// accepts, mounted by one of the containers, also hands the pod a usable token.
pub fn mounted_token(ix: &Index, w: &WorkloadNode) -> Option<MountedToken> {
    let spec = &w.spec.pod_spec;
    let ns = w.namespace;
    let sa_name = spec.service_account();
    let sa = ix.service_account(ns, sa_name);
    let obj = w.object();
    let spec_path = pod_spec_path(w);
    let sa_obj = format!("ServiceAccount/{ns}/{sa_name}");
    let field = format!("{spec_path}.automountServiceAccountToken");
    let sa_setting = sa.and_then(|s| s.automount_service_account_token);

    let (automount, automount_evidence, mut remediation) = match (
        spec.automount_service_account_token,
        sa_setting,
    ) {
        (Some(pod), sa_value) => {
            let detail = match sa_value {
                Some(v) => format!("{pod} (overrides {sa_obj} automountServiceAccountToken: {v})"),
                None => pod.to_string(),
            };
            (
                pod,
                Evidence::new(&obj, &field, detail).at(&w.spec.source),
                format!(
                    "Set {field}: false on {obj} (the pod setting overrides the ServiceAccount's) if the workload does not call the Kubernetes API."
                ),
            )
        }
        (None, Some(v)) => {
            let source = sa.map(|s| s.source.clone()).unwrap_or_default();
            (
                v,
                Evidence::new(
                    &sa_obj,
                    "automountServiceAccountToken",
                    format!("{v} ({obj} {field} is unset, so the ServiceAccount decides)"),
                )
                .at(&source),
                format!(
                    "Set automountServiceAccountToken: false on {sa_obj} (and leave {field} unset or false on {obj}) if its pods do not call the Kubernetes API."
                ),
            )
        }
        (None, None) => {
            let why = if sa.is_some() {
                format!("{sa_obj} does not set it either")
            } else {
                format!("{sa_obj} is not in the snapshot")
            };
            (
                true,
                Evidence::new(
                    &obj,
                    &field,
                    format!("unset and {why}, so the token is mounted (default true)"),
                )
                .at(&w.spec.source),
                format!(
                    "Set {field}: false on {obj} (or automountServiceAccountToken: false on {sa_obj}) if the workload does not call the Kubernetes API."
                ),
            )
        }
    };

    let projected = projected_tokens(ix, w, spec, &spec_path, &obj);
    if !automount && projected.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    if automount {
        evidence.push(automount_evidence);
    }
    for (ev, field) in projected {
        evidence.push(ev);
        let extra = format!(
            " Remove the serviceAccountToken projection {field} from {obj}, or give it an audience the API server does not accept."
        );
        if automount {
            remediation.push_str(&extra);
        } else {
            remediation = extra.trim_start().to_string();
        }
    }
    Some(MountedToken {
        service_account: id::service_account(ns, sa_name),
        evidence,
        remediation,
    })
}

/// Projected service account tokens usable against the API server, mounted by a container:
/// their evidence and field path.
fn projected_tokens(
    ix: &Index,
    w: &WorkloadNode,
    spec: &PodSpec,
    spec_path: &str,
    obj: &str,
) -> Vec<(Evidence, String)> {
    let issuer = ix.snapshot.facts.oidc_issuer.as_deref();
    let mut out = Vec::new();
    for (vi, v) in spec.volumes.iter().enumerate() {
        let Some(p) = &v.projected else { continue };
        // A token written to a volume no container mounts is not in any container.
        let mounts: Vec<String> = spec
            .all_containers()
            .flat_map(|(_, _, c)| {
                c.volume_mounts
                    .iter()
                    .filter(|m| m.name == v.name)
                    .map(|m| format!("container \"{}\" at {}", c.name, m.mount_path))
            })
            .collect();
        if mounts.is_empty() {
            continue;
        }
        for (si, src) in p.sources.iter().enumerate() {
            let Some(t) = &src.service_account_token else {
                continue;
            };
            let audience = t.audience.as_deref().filter(|a| !a.is_empty());
            if !api_server_audience(audience, issuer) {
                continue;
            }
            let field =
                format!("{spec_path}.volumes[{vi}].projected.sources[{si}].serviceAccountToken");
            let aud = match audience {
                Some(a) => format!("audience {a} (accepted by the API server)"),
                None => "no audience (defaults to the API server's)".to_string(),
            };
            let detail = format!(
                "{aud}; volume \"{}\" mounted by {}",
                v.name,
                mounts.join(", ")
            );
            out.push((Evidence::new(obj, &field, detail).at(&w.spec.source), field));
        }
    }
    out
}

/// Whether the API server accepts a projected token of this audience. Unset means the API
/// server's own audience. The default API audiences are the in-cluster API URLs and, where
/// `--api-audiences` is unset, the token issuer (known from the facts when given). Any other
/// audience (`sts.amazonaws.com`, `vault`) is for another relying party, not for Kubernetes.
fn api_server_audience(audience: Option<&str>, issuer: Option<&str>) -> bool {
    let Some(a) = audience else { return true };
    let bare = a.strip_prefix("https://").unwrap_or(a);
    bare.starts_with("kubernetes.default.svc")
        || issuer
            .is_some_and(|i| !i.is_empty() && i.trim_end_matches('/') == a.trim_end_matches('/'))
}

/// The Secrets a workload's containers hold, by name, each with the fields that put it there
/// (and the fix for each): secret volumes and projected secret sources that a container
/// mounts, `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`. `optional: true` still
/// counts (the Secret is there whenever it exists), and a Secret the snapshot lacks is still
/// named: manifests rarely carry their Secrets.
fn mounted_secrets<'a>(w: &WorkloadNode<'a>) -> BTreeMap<&'a str, Vec<(String, String)>> {
    let spec = &w.spec.pod_spec;
    let spec_path = pod_spec_path(w);
    let mut out: BTreeMap<&'a str, Vec<(String, String)>> = BTreeMap::new();
    let mut add = |name: &'a str, field: String, detail: String| {
        if !name.is_empty() {
            out.entry(name).or_default().push((field, detail));
        }
    };
    // Only a volume some container mounts puts the Secret inside a container.
    let sp = spec_path.as_str();
    for (vi, v) in spec.volumes.iter().enumerate() {
        let mounts: Vec<String> = spec
            .all_containers()
            .flat_map(|(list, ci, c)| {
                c.volume_mounts
                    .iter()
                    .filter(|m| m.name == v.name)
                    .map(move |m| {
                        format!(
                            "container \"{}\" ({sp}.{list}[{ci}]) at {}",
                            c.name, m.mount_path
                        )
                    })
            })
            .collect();
        if mounts.is_empty() {
            continue;
        }
        let by = format!("volume \"{}\" mounted by {}", v.name, mounts.join(", "));
        if let Some(name) = v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) {
            add(
                name,
                format!("{spec_path}.volumes[{vi}].secret.secretName"),
                by.clone(),
            );
        }
        for (si, src) in v
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().enumerate())
        {
            if let Some(r) = &src.secret {
                add(
                    &r.name,
                    format!("{spec_path}.volumes[{vi}].projected.sources[{si}].secret.name"),
                    by.clone(),
                );
            }
        }
    }
    for (list, ci, c) in spec.all_containers() {
        let cpath = format!("{spec_path}.{list}[{ci}]");
        for (ei, e) in c.env.iter().enumerate() {
            if let Some(r) = e
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                add(
                    &r.name,
                    format!("{cpath}.env[{ei}].valueFrom.secretKeyRef.name"),
                    format!(
                        "environment variable {} of container \"{}\"",
                        e.name, c.name
                    ),
                );
            }
        }
        for (ei, e) in c.env_from.iter().enumerate() {
            if let Some(r) = &e.secret_ref {
                add(
                    &r.name,
                    format!("{cpath}.envFrom[{ei}].secretRef.name"),
                    format!("every key as environment of container \"{}\"", c.name),
                );
            }
        }
    }
    out
}

/// workload -> `secret:NS/NAME` for every Secret its containers hold.
fn pod_mounts_secret(ix: &Index, g: &mut AttackGraph, w: &WorkloadNode) {
    let ns = w.namespace;
    let obj = w.object();
    for (name, uses) in mounted_secrets(w) {
        let known = ix
            .secrets_by_ns
            .get(ns)
            .is_some_and(|v| v.iter().any(|s| s.metadata.name == name));
        let note = if known {
            String::new()
        } else {
            " (the Secret is not in the snapshot)".to_string()
        };
        let evidence = uses
            .iter()
            .map(|(field, detail)| {
                Evidence::new(&obj, field, format!("{name}: {detail}{note}")).at(&w.spec.source)
            })
            .collect();
        let fields: Vec<&str> = uses.iter().map(|(f, _)| f.as_str()).collect();
        g.add_edge(
            &w.id,
            &id::secret(ns, name),
            POD_MOUNTS_SECRET.edge(
                evidence,
                format!(
                    "Remove {} from {obj} if the workload does not need Secret {ns}/{name}; prefer short-lived credentials.",
                    fields.join(", ")
                ),
            ),
        );
    }
}

const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// A legacy token Secret -> its service account: whoever reads the Secret holds a
/// non-expiring token of the account.
fn secret_sa_tokens(ix: &Index, g: &mut AttackGraph) {
    for s in &ix.snapshot.secrets {
        if s.type_.as_deref() != Some(SA_TOKEN_TYPE) {
            continue;
        }
        let Some(sa) = s
            .metadata
            .annotations
            .get(SA_NAME_ANNOTATION)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let ns = s.metadata.ns();
        let obj = format!("Secret/{ns}/{}", s.metadata.name);
        let evidence = vec![
            Evidence::new(&obj, "type", SA_TOKEN_TYPE).at(&s.source),
            Evidence::new(
                &obj,
                format!("metadata.annotations[\"{SA_NAME_ANNOTATION}\"]"),
                format!("{sa}: the token controller fills it with a non-expiring token of ServiceAccount/{ns}/{sa}"),
            )
            .at(&s.source),
        ];
        g.add_edge(
            &id::secret(ns, &s.metadata.name),
            &id::service_account(ns, sa),
            SECRET_SA_TOKEN.edge(
                evidence,
                format!(
                    "Delete {obj} (a legacy, non-expiring token of ServiceAccount/{ns}/{sa}); pods get bound, projected tokens without it."
                ),
            ),
        );
    }
}

pub fn edges(ix: &Index, g: &mut AttackGraph) {
    for w in &ix.workloads {
        if let Some(t) = mounted_token(ix, w) {
            g.add_edge(
                &w.id,
                &t.service_account,
                POD_SA_TOKEN.edge(t.evidence, t.remediation),
            );
        }
        pod_mounts_secret(ix, g, w);
    }
    secret_sa_tokens(ix, g);
}

#[cfg(test)]
mod tests {
    use crate::testutil::graph;

    /// A Deployment `grafana` in `monitoring` running as ServiceAccount `grafana`, with `pod`
    /// added to its pod spec (which gets a plain container unless `pod` has its own) and `sa`
    /// to the ServiceAccount.
    fn grafana(pod: &str, sa: &str) -> crate::AttackGraph {
        let containers = if pod.contains("containers:") {
            ""
        } else {
            "containers: [{name: grafana, image: grafana}]"
        };
        graph(&format!(
            "
apiVersion: v1
kind: ServiceAccount
metadata: {{name: grafana, namespace: monitoring}}
{sa}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: grafana, namespace: monitoring}}
spec:
  template:
    spec:
      serviceAccountName: grafana
      {containers}
      {pod}
"
        ))
    }

    const W: &str = "workload:monitoring/Deployment/grafana";
    const SA: &str = "sa:monitoring/grafana";

    #[test]
    fn token_is_mounted_by_default() {
        let g = graph(
            "
apiVersion: v1
kind: Pod
metadata: {name: app}
spec: {containers: [{name: app, image: app}]}
",
        );
        // `default` exists in every namespace even without a ServiceAccount object.
        assert!(g.has_edge(
            "workload:default/Pod/app",
            "sa:default/default",
            "POD_SA_TOKEN"
        ));
        let edges = g.edges_of("POD_SA_TOKEN");
        assert!(edges[0].2.evidence[0].detail.contains("default true"));
    }

    #[test]
    fn pod_false_overrides_service_account_true() {
        let g = grafana(
            "automountServiceAccountToken: false",
            "automountServiceAccountToken: true",
        );
        assert!(!g.has_edge(W, SA, "POD_SA_TOKEN"));
        assert!(g.edges_of("POD_SA_TOKEN").is_empty());
    }

    #[test]
    fn pod_true_overrides_service_account_false() {
        let g = grafana(
            "automountServiceAccountToken: true",
            "automountServiceAccountToken: false",
        );
        assert!(g.has_edge(W, SA, "POD_SA_TOKEN"));
        let edges = g.edges_of("POD_SA_TOKEN");
        let ev = &edges[0].2.evidence[0];
        assert_eq!(ev.object, "Deployment/monitoring/grafana");
        assert_eq!(ev.field, "spec.template.spec.automountServiceAccountToken");
        assert_eq!(
            ev.detail,
            "true (overrides ServiceAccount/monitoring/grafana automountServiceAccountToken: false)"
        );
    }

    #[test]
    fn service_account_false_alone_disables_the_token() {
        let g = grafana("", "automountServiceAccountToken: false");
        assert!(!g.has_edge(W, SA, "POD_SA_TOKEN"));
    }

    #[test]
    fn service_account_true_decides_when_pod_is_silent() {
        let g = grafana("", "automountServiceAccountToken: true");
        assert!(g.has_edge(W, SA, "POD_SA_TOKEN"));
        let edges = g.edges_of("POD_SA_TOKEN");
        assert_eq!(
            edges[0].2.evidence[0].object,
            "ServiceAccount/monitoring/grafana"
        );
    }

    #[test]
    fn projected_token_is_mounted_even_with_automount_false() {
        let g = grafana(
            "automountServiceAccountToken: false
      volumes:
      - name: kube-api
        projected:
          sources:
          - serviceAccountToken: {path: token, expirationSeconds: 3600}
      containers:
      - name: grafana
        image: grafana
        volumeMounts: [{name: kube-api, mountPath: /var/run/secrets/tokens}]",
            "",
        );
        assert!(g.has_edge(W, SA, "POD_SA_TOKEN"));
        let edges = g.edges_of("POD_SA_TOKEN");
        assert!(
            edges[0].2.evidence.iter().any(|e| e.field
                == "spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken")
        );
    }

    #[test]
    fn projected_token_for_another_audience_is_not_an_api_token() {
        let g = grafana(
            "automountServiceAccountToken: false
      volumes:
      - name: aws-iam-token
        projected:
          sources:
          - serviceAccountToken: {audience: sts.amazonaws.com, path: token}
      containers:
      - name: grafana
        image: grafana
        volumeMounts: [{name: aws-iam-token, mountPath: /var/run/secrets/eks}]",
            "",
        );
        assert!(!g.has_edge(W, SA, "POD_SA_TOKEN"));
    }

    #[test]
    fn api_server_audiences() {
        use super::api_server_audience as api;
        assert!(api(None, None));
        assert!(api(Some("https://kubernetes.default.svc"), None));
        assert!(api(
            Some("https://kubernetes.default.svc.cluster.local"),
            None
        ));
        assert!(api(
            Some("https://oidc.example/id/1"),
            Some("https://oidc.example/id/1")
        ));
        assert!(!api(Some("sts.amazonaws.com"), None));
        assert!(!api(Some("vault"), Some("https://oidc.example/id/1")));
    }

    const APP: &str = "workload:shop/Deployment/app";

    /// A Deployment `app` in `shop` with `spec` added to its pod spec, plus `extra` documents.
    fn app(spec: &str, extra: &str) -> crate::AttackGraph {
        graph(&format!(
            "
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: shop}}
spec:
  template:
    spec:
{spec}
{extra}"
        ))
    }

    fn secret_evidence(g: &crate::AttackGraph, to: &str) -> Vec<crate::Evidence> {
        g.edges_of("POD_MOUNTS_SECRET")
            .into_iter()
            .find(|e| e.1 == to)
            .map(|e| e.2.evidence.clone())
            .unwrap_or_default()
    }

    #[test]
    fn mounted_secret_volume_is_held_by_the_workload() {
        let g = app(
            "      containers: [{name: web, image: web, volumeMounts: [{name: tls, mountPath: /tls}]}]
      volumes: [{name: tls, secret: {secretName: web-tls}}]",
            "",
        );
        assert!(g.has_edge(APP, "secret:shop/web-tls", "POD_MOUNTS_SECRET"));
        let ev = secret_evidence(&g, "secret:shop/web-tls");
        assert_eq!(
            ev[0].field,
            "spec.template.spec.volumes[0].secret.secretName"
        );
        assert!(
            ev[0]
                .detail
                .contains("container \"web\" (spec.template.spec.containers[0]) at /tls")
        );
        assert!(ev[0].detail.contains("not in the snapshot"));
    }

    #[test]
    fn secret_volume_no_container_mounts_is_not_held() {
        let g = app(
            "      containers: [{name: web, image: web}]
      volumes: [{name: tls, secret: {secretName: web-tls}}]",
            "",
        );
        assert!(g.edges_of("POD_MOUNTS_SECRET").is_empty());
    }

    #[test]
    fn env_and_env_from_and_projected_secrets_are_held() {
        let g = app(
            "      containers:
      - name: web
        image: web
        env:
        - {name: PLAIN, value: x}
        - {name: DB, valueFrom: {secretKeyRef: {name: db, key: url, optional: true}}}
        envFrom: [{secretRef: {name: api-keys}}]
        volumeMounts: [{name: all, mountPath: /etc/all}]
      volumes:
      - name: all
        projected: {sources: [{secret: {name: signing-key}}, {serviceAccountToken: {path: t}}]}",
            "---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque",
        );
        for (to, field) in [
            (
                "secret:shop/db",
                "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name",
            ),
            (
                "secret:shop/api-keys",
                "spec.template.spec.containers[0].envFrom[0].secretRef.name",
            ),
            (
                "secret:shop/signing-key",
                "spec.template.spec.volumes[0].projected.sources[0].secret.name",
            ),
        ] {
            assert!(g.has_edge(APP, to, "POD_MOUNTS_SECRET"), "{to}");
            assert_eq!(secret_evidence(&g, to)[0].field, field);
        }
        // The Secret is in the snapshot: no "not in the snapshot" note.
        assert!(
            !secret_evidence(&g, "secret:shop/db")[0]
                .detail
                .contains("not in the snapshot")
        );
        assert_eq!(g.edges_of("POD_MOUNTS_SECRET").len(), 3);
    }

    #[test]
    fn workload_without_secret_references_holds_no_secret() {
        let g = app(
            "      containers: [{name: web, image: web, env: [{name: A, value: b}], envFrom: [{configMapRef: {name: cfg}}]}]",
            "",
        );
        assert!(g.edges_of("POD_MOUNTS_SECRET").is_empty());
    }

    const TOKEN_SECRET: &str = "
apiVersion: v1
kind: Secret
metadata:
  name: deployer-token
  namespace: ci
  annotations: {kubernetes.io/service-account.name: deployer}
";

    #[test]
    fn legacy_token_secret_leads_to_its_service_account() {
        let g = graph(&format!(
            "{TOKEN_SECRET}type: kubernetes.io/service-account-token\n"
        ));
        assert!(g.has_edge(
            "secret:ci/deployer-token",
            "sa:ci/deployer",
            "SECRET_SA_TOKEN"
        ));
        let edges = g.edges_of("SECRET_SA_TOKEN");
        assert_eq!(edges[0].2.evidence[0].object, "Secret/ci/deployer-token");
        assert_eq!(
            edges[0].2.evidence[1].field,
            "metadata.annotations[\"kubernetes.io/service-account.name\"]"
        );
    }

    #[test]
    fn opaque_secret_with_the_annotation_is_not_a_token() {
        let g = graph(&format!("{TOKEN_SECRET}type: Opaque\n"));
        assert!(g.edges_of("SECRET_SA_TOKEN").is_empty());
    }

    #[test]
    fn reading_a_token_secret_chains_to_the_service_accounts_permissions() {
        let g = graph(&format!(
            "{TOKEN_SECRET}type: kubernetes.io/service-account-token
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: read-secrets, namespace: ci}}
rules: [{{apiGroups: [''], resources: [secrets], verbs: [get]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: reader, namespace: ci}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets}}
subjects: [{{kind: ServiceAccount, name: reader, namespace: ci}}]
"
        ));
        assert!(g.has_edge(
            "sa:ci/reader",
            "secret:ci/deployer-token",
            "RBAC_READ_SECRETS"
        ));
        assert!(g.has_edge(
            "secret:ci/deployer-token",
            "sa:ci/deployer",
            "SECRET_SA_TOKEN"
        ));
    }
}

/// What [`token_minters`] returns.
pub(crate) type Minters = BTreeMap<String, Vec<(String, crate::graph::Edge)>>;

/// Who can get a token for which service account, from the RBAC steps already in the graph:
/// `sa:NS/NAME` -> every (identity, step) with `RBAC_TOKEN_REQUEST` or `RBAC_CREATE_WORKLOAD`
/// into it, one entry per identity (its likelier step). Cloud workload-identity techniques (IRSA, AKS) use it for service accounts whose
/// own pods hold no token of the audience the cloud accepts: a minter can ask for any audience.
pub(crate) fn token_minters(g: &AttackGraph) -> Minters {
    let mut minters = Minters::new();
    for technique in [
        crate::techniques::rbac::RBAC_TOKEN_REQUEST.id,
        crate::techniques::rbac::RBAC_CREATE_WORKLOAD.id,
    ] {
        for (from, to, e) in g.edges_of(technique) {
            if !to.starts_with("sa:") || from == to {
                continue;
            }
            let list = minters.entry(to.to_string()).or_default();
            match list.iter_mut().find(|(m, _)| m == from) {
                Some((_, kept)) if kept.likelihood >= e.likelihood => {}
                Some((_, kept)) => *kept = e.clone(),
                None => list.push((from.to_string(), e.clone())),
            }
        }
    }
    minters
}

#[cfg(test)]
mod minter_tests {
    use super::token_minters;
    use crate::graph::AttackGraph;
    use crate::techniques::rbac::{RBAC_CREATE_WORKLOAD, RBAC_POD_EXEC, RBAC_TOKEN_REQUEST};

    #[test]
    fn each_minter_appears_once_per_service_account_with_its_likelier_step() {
        let mut g = AttackGraph::new();
        g.add_edge(
            "sa:a/ci",
            "sa:b/app",
            RBAC_CREATE_WORKLOAD.edge_with(0.9, vec![], "f"),
        );
        g.add_edge(
            "sa:a/ci",
            "sa:b/app",
            RBAC_TOKEN_REQUEST.edge_with(0.95, vec![], "f"),
        );
        g.add_edge(
            "sa:a/ops",
            "sa:b/app",
            RBAC_CREATE_WORKLOAD.edge_with(0.9, vec![], "f"),
        );
        // Not a minting step, and not into a service account.
        g.add_edge(
            "sa:a/dbg",
            "sa:b/app",
            RBAC_POD_EXEC.edge_with(0.9, vec![], "f"),
        );
        g.add_edge(
            "sa:a/ci",
            "node:*",
            RBAC_CREATE_WORKLOAD.edge_with(0.9, vec![], "f"),
        );
        let m = token_minters(&g);
        assert_eq!(m.len(), 1);
        let app = &m["sa:b/app"];
        let mut who: Vec<(&str, &str)> = app
            .iter()
            .map(|(f, e)| (f.as_str(), e.technique.id))
            .collect();
        who.sort_unstable();
        assert_eq!(
            who,
            vec![
                ("sa:a/ci", "RBAC_TOKEN_REQUEST"),
                ("sa:a/ops", "RBAC_CREATE_WORKLOAD")
            ]
        );
    }
}
