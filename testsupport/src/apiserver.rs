//! The test API server: HTTPS (rustls, a CA and a server certificate made at start with
//! rcgen), bearer-token auth, and the read side of the Kubernetes REST API that a collector
//! uses: list paths (cluster-wide and per namespace), `limit`/`continue`, 410 Expired,
//! `Status` bodies, metadata-only lists (`as=PartialObjectMetadataList`), `fieldSelector`
//! on a Secret's `type`, one ConfigMap by name, `/version`, Gateway API discovery and
//! `/.well-known/openid-configuration`.
//!
//! It runs on a thread of its own with its own runtime, so sync tests (the binary's) and
//! async tests can both use it; it stops when dropped.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::resources::{GATEWAY_GROUP, GATEWAY_VERSIONS, RESOURCES, ServedResource, resource_of};

/// One request the server answered (for tests on what a client asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub accept: String,
    pub status: u16,
}

#[derive(Default)]
struct State {
    /// Objects by resource plural, each list sorted by (namespace, name).
    objects: HashMap<&'static str, Vec<Value>>,
    /// Resources whose every list is forbidden.
    forbidden: BTreeSet<String>,
    /// (plural, namespace) pairs forbidden; the resource's cluster-wide list is too.
    forbidden_ns: BTreeSet<(String, String)>,
    /// Resources whose next continued page answers 410 Expired (once each).
    expire_once: BTreeSet<String>,
    issuer: Option<String>,
    /// Per resource, bumped on every 410 so its tokens issued before it are stale.
    generation: HashMap<String, u64>,
    requests: Vec<Recorded>,
}

/// A running test API server.
pub struct ApiServer {
    pub url: String,
    pub ca_pem: String,
    pub token: String,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking handler thread must not hide the test's own assertion.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl ApiServer {
    /// Start serving `objects` (anything not of a served kind is ignored) on 127.0.0.1.
    pub fn start(objects: Vec<Value>) -> ApiServer {
        let mut state = State::default();
        for o in objects {
            let api_version = o.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(res) = resource_of(api_version, kind) {
                state.objects.entry(res.plural).or_default().push(o);
            }
        }
        // Every namespace an object is in exists, as do the ones every cluster has.
        let mut namespaces: BTreeSet<String> = ["default", "kube-system", "kube-public"]
            .into_iter()
            .map(str::to_string)
            .collect();
        for list in state.objects.values() {
            namespaces.extend(
                list.iter()
                    .map(|o| meta_str(o, "namespace"))
                    .filter(|n| !n.is_empty()),
            );
        }
        let declared = state.objects.entry("namespaces").or_default();
        for ns in namespaces {
            if !declared.iter().any(|o| meta_str(o, "name") == ns) {
                declared.push(json!({"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": ns}}));
            }
        }
        for list in state.objects.values_mut() {
            list.sort_by_key(|o| (meta_str(o, "namespace"), meta_str(o, "name")));
        }
        let state = Arc::new(Mutex::new(state));

        let ca_key = rcgen::KeyPair::generate().expect("invariant: ring generates a key pair");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())
            .expect("invariant: no names to parse");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kubepath test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key)
            .expect("invariant: a CA certificate can be signed");
        let server_key = rcgen::KeyPair::generate().expect("invariant: ring generates a key pair");
        let server_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("invariant: valid names");
        let server_cert = server_params
            .signed_by(&server_key, &ca)
            .expect("invariant: the CA signs the server certificate");
        let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("invariant: ring supports the default versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .expect("invariant: the key matches the certificate");
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1 on a free port");
        listener
            .set_nonblocking(true)
            .expect("invariant: a socket can be made non-blocking");
        let port = listener
            .local_addr()
            .expect("invariant: a bound socket has an address")
            .port();
        let token = format!("kubepath-test-token-{port}");
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let want_token = token.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("invariant: a runtime can be built");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .expect("invariant: the listener is non-blocking");
                loop {
                    let (tcp, _) = tokio::select! {
                        _ = &mut rx => return,
                        a = listener.accept() => match a { Ok(a) => a, Err(_) => continue },
                    };
                    let acceptor = acceptor.clone();
                    let state = served.clone();
                    let token = want_token.clone();
                    tokio::spawn(async move {
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let service = hyper::service::service_fn(move |req| {
                            let state = state.clone();
                            let token = token.clone();
                            async move {
                                Ok::<_, std::convert::Infallible>(handle(&state, &token, req))
                            }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        ApiServer {
            url: format!("https://127.0.0.1:{port}"),
            ca_pem: ca.pem(),
            token,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Every list of `plural` answers 403 Forbidden.
    pub fn forbid(&self, plural: &str) {
        lock(&self.state).forbidden.insert(plural.to_string());
    }

    /// `plural` in `namespace` answers 403, and so does its cluster-wide list (as for a
    /// user whose rights are granted per namespace).
    pub fn forbid_in_namespace(&self, plural: &str, namespace: &str) {
        lock(&self.state)
            .forbidden_ns
            .insert((plural.to_string(), namespace.to_string()));
    }

    /// The next request for `plural` that carries a `continue` token answers 410 Expired.
    pub fn expire_next_continue(&self, plural: &str) {
        lock(&self.state).expire_once.insert(plural.to_string());
    }

    /// What `/.well-known/openid-configuration` states as the issuer (404 when unset).
    pub fn set_issuer(&self, issuer: &str) {
        lock(&self.state).issuer = Some(issuer.to_string());
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state).requests.clone()
    }

    /// Every object served (as stored, with the kind and apiVersion they were given).
    pub fn objects(&self) -> Vec<Value> {
        let st = lock(&self.state);
        RESOURCES
            .iter()
            .filter_map(|r| st.objects.get(r.plural))
            .flatten()
            .cloned()
            .collect()
    }

    /// Write `ca.pem` and a kubeconfig (context `test`) for this server into `dir`.
    pub fn write_kubeconfig(&self, dir: &Path) -> PathBuf {
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, &self.ca_pem).expect("write ca.pem");
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: test\n  user:\n    token: {}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: test\ncurrent-context: test\n",
            self.url,
            ca.display(),
            self.token
        );
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn meta_str(o: &Value, key: &str) -> String {
    o.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn respond(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// A `metav1.Status` failure, as the API server writes it.
fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code}),
    )
}

fn handle(state: &Mutex<State>, token: &str, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {token}"));
    let mut st = lock(state);
    let (code, body) = if !authorized {
        status(401, "Unauthorized", "Unauthorized")
    } else if req.method() != hyper::Method::GET {
        status(405, "MethodNotAllowed", "the test server is read-only")
    } else {
        route(&mut st, &path, &query, &accept)
    };
    st.requests.push(Recorded {
        method: req.method().to_string(),
        path,
        query,
        accept,
        status: code,
    });
    respond(code, &body)
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

fn route(st: &mut State, path: &str, query: &str, accept: &str) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["version"] => (
            200,
            json!({"major": "1", "minor": "35", "gitVersion": "v1.35.0-test",
                   "platform": "linux/amd64"}),
        ),
        [".well-known", "openid-configuration"] => match &st.issuer {
            Some(i) => (
                200,
                json!({"issuer": i, "jwks_uri": format!("{i}/openid/v1/jwks"),
                       "response_types_supported": ["id_token"],
                       "subject_types_supported": ["public"],
                       "id_token_signing_alg_values_supported": ["RS256"]}),
            ),
            None => status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        },
        ["apis", g] if *g == GATEWAY_GROUP => {
            let versions: Vec<Value> = GATEWAY_VERSIONS
                .iter()
                .map(|v| json!({"groupVersion": format!("{GATEWAY_GROUP}/{v}"), "version": v}))
                .collect();
            (
                200,
                json!({"kind": "APIGroup", "apiVersion": "v1", "name": GATEWAY_GROUP,
                       "versions": versions, "preferredVersion": versions[0]}),
            )
        }
        ["apis", g, v] if *g == GATEWAY_GROUP && GATEWAY_VERSIONS.contains(v) => {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == GATEWAY_GROUP && r.versions.contains(v))
                .map(|r| {
                    json!({"name": r.plural, "singularName": "", "namespaced": r.namespaced,
                           "kind": r.kind, "verbs": ["get", "list", "watch"]})
                })
                .collect();
            (
                200,
                json!({"kind": "APIResourceList", "apiVersion": "v1",
                       "groupVersion": format!("{g}/{v}"), "resources": resources}),
            )
        }
        ["api", "v1", "namespaces", ns, "configmaps", name] => get_one(st, "configmaps", ns, name),
        ["api", v, plural] => list(st, "", v, plural, None, query, accept),
        ["api", v, "namespaces", ns, plural] => list(st, "", v, plural, Some(ns), query, accept),
        ["apis", g, v, plural] => list(st, g, v, plural, None, query, accept),
        ["apis", g, v, "namespaces", ns, plural] => list(st, g, v, plural, Some(ns), query, accept),
        _ => status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}

fn find(group: &str, version: &str, plural: &str) -> Option<&'static ServedResource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural && r.versions.contains(&version))
}

fn forbidden(st: &State, res: &ServedResource, ns: Option<&str>) -> bool {
    st.forbidden.contains(res.plural)
        || st
            .forbidden_ns
            .iter()
            .any(|(p, n)| p == res.plural && ns.is_none_or(|ns| ns == n))
}

fn get_one(st: &State, plural: &str, ns: &str, name: &str) -> (u16, Value) {
    let Some(res) = find("", "v1", plural) else {
        return status(404, "NotFound", "not found");
    };
    if forbidden(st, res, Some(ns)) {
        return status(
            403,
            "Forbidden",
            &format!(
                "{plural} \"{name}\" is forbidden: User cannot get resource \"{plural}\" in API group \"\" in the namespace \"{ns}\""
            ),
        );
    }
    let found = st.objects.get(plural).and_then(|l| {
        l.iter()
            .find(|o| meta_str(o, "namespace") == ns && meta_str(o, "name") == name)
    });
    match found {
        Some(o) => (200, o.clone()),
        None => status(404, "NotFound", &format!("{plural} \"{name}\" not found")),
    }
}

fn list(
    st: &mut State,
    group: &str,
    version: &str,
    plural: &str,
    ns: Option<&str>,
    query: &str,
    accept: &str,
) -> (u16, Value) {
    let Some(res) = find(group, version, plural) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    if ns.is_some() && !res.namespaced {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    }
    if forbidden(st, res, ns) {
        let scope = match ns {
            Some(n) => format!("in the namespace \"{n}\""),
            None => "at the cluster scope".to_string(),
        };
        return status(
            403,
            "Forbidden",
            &format!(
                "{plural} is forbidden: User \"test\" cannot list resource \"{plural}\" in API group \"{group}\" {scope}"
            ),
        );
    }
    let limit = query_param(query, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0);
    let cont = query_param(query, "continue").filter(|c| !c.is_empty());
    let type_selector = query_param(query, "fieldSelector").and_then(|f| {
        f.split(',')
            .find_map(|t| t.strip_prefix("type=").map(str::to_string))
    });
    let mut offset = 0;
    if let Some(c) = &cont {
        // Tokens are opaque to clients: "<generation>:<offset>".
        let parsed = c
            .split_once(':')
            .and_then(|(g, o)| Some((g.parse::<u64>().ok()?, o.parse::<usize>().ok()?)));
        let Some((generation, o)) = parsed else {
            return status(400, "BadRequest", "invalid continue token");
        };
        let current = st.generation.get(plural).copied().unwrap_or(0);
        if st.expire_once.remove(plural) || generation != current {
            *st.generation.entry(plural.to_string()).or_default() += 1;
            return status(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            );
        }
        offset = o;
    }
    let all: Vec<&Value> = st
        .objects
        .get(plural)
        .map(|l| {
            l.iter()
                .filter(|o| ns.is_none_or(|n| meta_str(o, "namespace") == n))
                .filter(|o| {
                    type_selector.as_deref().is_none_or(|t| {
                        o.get("type").and_then(Value::as_str).unwrap_or("Opaque") == t
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let end = limit.map_or(all.len(), |l| (offset + l).min(all.len()));
    let page = all.get(offset.min(all.len())..end).unwrap_or_default();
    let metadata_only = accept.contains("as=PartialObjectMetadataList");
    let items: Vec<Value> = page
        .iter()
        .map(|o| {
            if metadata_only {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                       "metadata": o.get("metadata").cloned().unwrap_or(Value::Null)})
            } else {
                // Items of a list carry no apiVersion/kind, as the real server writes them.
                let mut o = (*o).clone();
                if let Some(m) = o.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                o
            }
        })
        .collect();
    let mut meta = json!({"resourceVersion": "1000"});
    if end < all.len() {
        let generation = st.generation.get(plural).copied().unwrap_or(0);
        meta["continue"] = json!(format!("{generation}:{end}"));
        meta["remainingItemCount"] = json!(all.len() - end);
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let body = if metadata_only {
        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
               "metadata": meta, "items": items})
    } else {
        json!({"kind": format!("{}List", res.kind), "apiVersion": gv, "metadata": meta,
               "items": items})
    };
    (200, body)
}
