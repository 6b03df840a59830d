//! NetworkPolicy semantics (`networking.k8s.io/v1`): which peers may connect to a pod, and
//! which destinations a pod may connect to.
//!
//! - A pod is isolated for ingress (egress) when a policy of its namespace selects it
//!   (`podSelector`; empty selects every pod) and that policy's `policyTypes` contain
//!   `Ingress` (`Egress`). Absent `policyTypes` default to `Ingress`, plus `Egress` when the
//!   policy has egress rules. Isolated traffic is allowed only when a rule of one of the
//!   selecting policies admits it (the union of their rules); an absent or empty
//!   `from`/`to` admits every peer.
//! - Peers: `podSelector` alone means pods of the policy's namespace; `namespaceSelector`
//!   matches Namespace labels (with the `kubernetes.io/metadata.name` label the API server
//!   sets); both set means both must match; `ipBlock` is a CIDR minus `except`.
//! - Ports are ignored: a rule admitting some port admits the peer (an attacker needs one).
//! - Pods on the host network are not subject to NetworkPolicy (their traffic is the node's).
//! - Pod IPs are unknown offline: an `ipBlock` admits a pod when it covers some private
//!   address space (where pod IPs live) that `except` does not remove, and admits "any
//!   pod" only when it covers all of the private ranges. It admits internet clients when it
//!   covers some public address that `except` does not remove.
//! - A policy the API server would reject (a malformed selector or CIDR) is skipped with a
//!   warning, as it cannot exist in a cluster.

use std::collections::{BTreeMap, HashMap};

use crate::graph::Evidence;
use crate::index::WorkloadNode;
use crate::snapshot::{IpBlock, LabelSelector, NetworkPolicyPeer, Snapshot, Source, Warning};

/// Who opens a connection (for ingress), or whom a connection goes to (for egress).
#[derive(Debug, Clone, Copy)]
pub enum Peer<'p> {
    /// A client on the internet (a public address).
    Internet,
    /// One pod: its namespace and labels.
    Pod {
        namespace: &'p str,
        labels: &'p BTreeMap<String, String>,
    },
    /// One address outside the pod network (e.g. the instance metadata service): only an
    /// `ipBlock` covering it (and not excepting it) admits it.
    Address(Cidr),
    /// Some pod or address the snapshot does not name (the data plane of a controller that
    /// is not in the input, a cloud load balancer's proxies): admitted by any rule.
    Unknown,
    /// Every pod of the cluster, whatever its namespace and labels.
    AnyPod,
}

impl Peer<'_> {
    fn describe(&self) -> String {
        match self {
            Peer::Internet => "internet clients".into(),
            Peer::Address(c) => format!("address {c}"),
            Peer::Pod { namespace, labels } => format!(
                "pods in {namespace} labelled {}",
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Peer::Unknown => "a peer not in the input".into(),
            Peer::AnyPod => "arbitrary pods".into(),
        }
    }
}

/// The outcome of a policy check.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No policy isolates the pod in this direction.
    Open,
    /// Isolated, and these rules admit the peer.
    Allowed(Vec<Evidence>),
    /// Isolated, and no rule admits the peer: the isolating policies.
    Denied(Vec<Evidence>),
}

impl Verdict {
    pub fn admits(&self) -> bool {
        !matches!(self, Verdict::Denied(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn rules_field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
    fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// One usable NetworkPolicy.
struct Policy<'a> {
    object: String,
    namespace: &'a str,
    source: &'a Source,
    pod_selector: &'a LabelSelector,
    /// `Some` when the policy isolates ingress: its rules.
    ingress: Option<Vec<Rule<'a>>>,
    /// `Some` when the policy isolates egress: its rules.
    egress: Option<Vec<Rule<'a>>>,
}

struct Rule<'a> {
    field: String,
    /// Empty: every peer.
    peers: Vec<PeerRule<'a>>,
}

struct PeerRule<'a> {
    field: String,
    pods: Option<&'a LabelSelector>,
    namespaces: Option<&'a LabelSelector>,
    block: Option<Block>,
    text: String,
}

/// The policies of a snapshot, by namespace, and the labels of its namespaces.
pub struct NetPolicies<'a> {
    by_ns: BTreeMap<&'a str, Vec<Policy<'a>>>,
    ns_labels: HashMap<&'a str, BTreeMap<String, String>>,
}

const NAME_LABEL: &str = "kubernetes.io/metadata.name";

impl<'a> NetPolicies<'a> {
    pub fn new(snapshot: &'a Snapshot, warnings: &mut Vec<Warning>) -> Self {
        let mut by_ns: BTreeMap<&str, Vec<Policy>> = BTreeMap::new();
        for np in &snapshot.network_policies {
            let ns = np.metadata.ns();
            let object = format!("NetworkPolicy/{ns}/{}", np.metadata.name);
            let warn = |warnings: &mut Vec<Warning>, field: String, message: String| {
                warnings.push(Warning {
                    file: np.source.file.clone(),
                    document: Some(np.source.document),
                    object: Some(object.clone()),
                    field: Some(field),
                    message: format!(
                        "{message}; the API server rejects this policy, so it is ignored"
                    ),
                });
            };
            if let Some(e) = selector_error(&np.spec.pod_selector) {
                warn(warnings, "spec.podSelector".into(), e);
                continue;
            }
            let types = &np.spec.policy_types;
            let (ingress_on, egress_on) = if types.is_empty() {
                (true, !np.spec.egress.is_empty())
            } else {
                (
                    types.iter().any(|t| t == "Ingress"),
                    types.iter().any(|t| t == "Egress"),
                )
            };
            let ingress = np.spec.ingress.iter().map(|r| &r.from).collect::<Vec<_>>();
            let egress = np.spec.egress.iter().map(|r| &r.to).collect::<Vec<_>>();
            let ingress = match rules(&ingress, Direction::Ingress) {
                Ok(r) => r,
                Err((field, e)) => {
                    warn(warnings, field, e);
                    continue;
                }
            };
            let egress = match rules(&egress, Direction::Egress) {
                Ok(r) => r,
                Err((field, e)) => {
                    warn(warnings, field, e);
                    continue;
                }
            };
            by_ns.entry(ns).or_default().push(Policy {
                object,
                namespace: ns,
                source: &np.source,
                pod_selector: &np.spec.pod_selector,
                ingress: ingress_on.then_some(ingress),
                egress: egress_on.then_some(egress),
            });
        }
        let ns_labels = snapshot
            .namespaces
            .iter()
            .map(|n| {
                let name = n.metadata.name.as_str();
                let mut labels = n.metadata.labels.clone();
                labels.insert(NAME_LABEL.into(), name.into());
                (name, labels)
            })
            .collect();
        NetPolicies { by_ns, ns_labels }
    }

    /// Whether any policy is in the snapshot at all.
    pub fn is_empty(&self) -> bool {
        self.by_ns.is_empty()
    }

    /// Whether `from` may open a connection to the workload's pods.
    pub fn ingress(&self, w: &WorkloadNode<'_>, from: Peer<'_>) -> Verdict {
        self.check(w, from, Direction::Ingress)
    }

    /// Whether the workload's pods may open a connection to `to`.
    pub fn egress(&self, w: &WorkloadNode<'_>, to: Peer<'_>) -> Verdict {
        self.check(w, to, Direction::Egress)
    }

    /// The labels of a namespace as a `namespaceSelector` sees them.
    fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        self.ns_labels
            .get(ns)
            .cloned()
            .unwrap_or_else(|| BTreeMap::from([(NAME_LABEL.to_string(), ns.to_string())]))
    }

    fn check(&self, w: &WorkloadNode<'_>, peer: Peer<'_>, dir: Direction) -> Verdict {
        if w.spec.pod_spec.host_network {
            return Verdict::Open;
        }
        let mut isolating = Vec::new();
        let mut allowed = Vec::new();
        for p in self.by_ns.get(w.namespace).into_iter().flatten() {
            if !p.pod_selector.matches(w.spec.pod_labels()).unwrap_or(false) {
                continue;
            }
            let rules = match dir {
                Direction::Ingress => p.ingress.as_ref(),
                Direction::Egress => p.egress.as_ref(),
            };
            let Some(rules) = rules else { continue };
            isolating.push(
                Evidence::new(
                    &p.object,
                    "spec.podSelector",
                    format!(
                        "selects {} and isolates its {}",
                        w.object(),
                        dir.rules_field()
                    ),
                )
                .at(p.source),
            );
            for rule in rules {
                if rule.peers.is_empty() {
                    allowed.push(
                        Evidence::new(
                            &p.object,
                            &rule.field,
                            format!("no {} peers: admits every peer", dir.peers_field()),
                        )
                        .at(p.source),
                    );
                    continue;
                }
                for pr in &rule.peers {
                    if self.peer_matches(p, pr, peer) {
                        allowed.push(
                            Evidence::new(
                                &p.object,
                                &pr.field,
                                format!("{} admits {}", pr.text, peer.describe()),
                            )
                            .at(p.source),
                        );
                    }
                }
            }
        }
        if isolating.is_empty() {
            Verdict::Open
        } else if allowed.is_empty() {
            Verdict::Denied(isolating)
        } else {
            Verdict::Allowed(allowed)
        }
    }

    fn peer_matches(&self, policy: &Policy<'_>, pr: &PeerRule<'_>, peer: Peer<'_>) -> bool {
        if let Some(block) = &pr.block {
            return match peer {
                Peer::Internet => block.admits_public(),
                Peer::Address(c) => block.cidr.contains(&c) && !block.excepted(&c),
                Peer::Pod { .. } => block.admits_private(),
                Peer::Unknown => true,
                Peer::AnyPod => block.admits_all_private(),
            };
        }
        match peer {
            Peer::Internet | Peer::Address(_) => false,
            Peer::Unknown => true,
            Peer::AnyPod => {
                pr.namespaces.is_some_and(is_everything) && pr.pods.is_none_or(is_everything)
            }
            Peer::Pod { namespace, labels } => {
                let ns_ok = match pr.namespaces {
                    Some(sel) => sel
                        .matches(&self.namespace_labels(namespace))
                        .unwrap_or(false),
                    None => namespace == policy.namespace,
                };
                ns_ok && pr.pods.is_none_or(|s| s.matches(labels).unwrap_or(false))
            }
        }
    }
}

fn is_everything(sel: &LabelSelector) -> bool {
    sel.match_labels.is_empty() && sel.match_expressions.is_empty()
}

fn rules<'a>(
    peer_lists: &[&'a Vec<NetworkPolicyPeer>],
    dir: Direction,
) -> Result<Vec<Rule<'a>>, (String, String)> {
    let mut out = Vec::new();
    for (i, peers) in peer_lists.iter().enumerate() {
        let field = format!("spec.{}[{i}]", dir.rules_field());
        let mut rule = Rule {
            field: field.clone(),
            peers: Vec::new(),
        };
        for (j, peer) in peers.iter().enumerate() {
            let pfield = format!("{field}.{}[{j}]", dir.peers_field());
            rule.peers.push(peer_rule(peer, pfield)?);
        }
        out.push(rule);
    }
    Ok(out)
}

fn peer_rule(peer: &NetworkPolicyPeer, field: String) -> Result<PeerRule<'_>, (String, String)> {
    if let Some(b) = &peer.ip_block {
        if peer.pod_selector.is_some() || peer.namespace_selector.is_some() {
            return Err((field, "ipBlock cannot be combined with selectors".into()));
        }
        let block = Block::parse(b).map_err(|e| (format!("{field}.ipBlock"), e))?;
        let mut text = format!("ipBlock {}", b.cidr);
        if !b.except.is_empty() {
            text.push_str(&format!(" except {}", b.except.join(", ")));
        }
        return Ok(PeerRule {
            field,
            pods: None,
            namespaces: None,
            block: Some(block),
            text,
        });
    }
    for (name, sel) in [
        ("podSelector", &peer.pod_selector),
        ("namespaceSelector", &peer.namespace_selector),
    ] {
        if let Some(e) = sel.as_ref().and_then(selector_error) {
            return Err((format!("{field}.{name}"), e));
        }
    }
    let text = match (&peer.namespace_selector, &peer.pod_selector) {
        (None, None) => {
            return Err((
                field,
                "a peer needs podSelector, namespaceSelector or ipBlock".into(),
            ));
        }
        (None, Some(p)) => format!("podSelector {}", selector_text(p)),
        (Some(n), None) => format!("namespaceSelector {}", selector_text(n)),
        (Some(n), Some(p)) => format!(
            "namespaceSelector {} and podSelector {}",
            selector_text(n),
            selector_text(p)
        ),
    };
    Ok(PeerRule {
        field,
        pods: peer.pod_selector.as_ref(),
        namespaces: peer.namespace_selector.as_ref(),
        block: None,
        text,
    })
}

/// Why the API server would reject a selector, if it would.
fn selector_error(sel: &LabelSelector) -> Option<String> {
    sel.match_expressions
        .iter()
        .enumerate()
        .find_map(|(i, r)| match r.operator.as_str() {
            "In" | "NotIn" if r.values.is_empty() => Some(format!(
                "matchExpressions[{i}]: operator {} needs values",
                r.operator
            )),
            "Exists" | "DoesNotExist" if !r.values.is_empty() => Some(format!(
                "matchExpressions[{i}]: operator {} takes no values",
                r.operator
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => None,
            other => Some(format!("matchExpressions[{i}]: unknown operator {other:?}")),
        })
}

fn selector_text(sel: &LabelSelector) -> String {
    if is_everything(sel) {
        return "{} (all)".into();
    }
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.extend(sel.match_expressions.iter().map(|r| {
        if r.values.is_empty() {
            format!("{} {}", r.key, r.operator)
        } else {
            format!("{} {} ({})", r.key, r.operator, r.values.join(","))
        }
    }));
    parts.join(",")
}

/// An IPv4 or IPv6 prefix. IPv4 addresses use the low 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: u128,
    prefix: u8,
    v6: bool,
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.v6 {
            write!(f, "{}", std::net::Ipv6Addr::from(self.addr))?;
        } else {
            // IPv4 addresses live in the low 32 bits.
            let v4 = u32::try_from(self.addr & 0xffff_ffff).unwrap_or(0);
            write!(f, "{}", std::net::Ipv4Addr::from(v4))?;
        }
        if self.prefix < self.bits() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

impl Cidr {
    /// Parse `ADDR/LEN` (a bare address is a single host).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let ip: std::net::IpAddr = addr.parse().ok()?;
        let (bits, v6, addr) = match ip {
            std::net::IpAddr::V4(a) => (32, false, u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => (128, true, u128::from(a)),
        };
        let prefix = len.unwrap_or(bits);
        if prefix > bits {
            return None;
        }
        Some(Cidr {
            addr: mask(addr, prefix, bits),
            prefix,
            v6,
        })
    }

    fn bits(&self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// Whether every address of `other` is in `self`.
    pub fn contains(&self, other: &Cidr) -> bool {
        self.v6 == other.v6
            && self.prefix <= other.prefix
            && mask(other.addr, self.prefix, self.bits()) == self.addr
    }

    /// The addresses in both, which for prefixes is one of them or none.
    fn intersect(&self, other: &Cidr) -> Option<Cidr> {
        if self.contains(other) {
            Some(*other)
        } else if other.contains(self) {
            Some(*self)
        } else {
            None
        }
    }
}

fn mask(addr: u128, prefix: u8, bits: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let keep = u128::MAX << (128 - u32::from(prefix));
    // Align IPv4 (low 32 bits) to the top for masking, then back.
    let shift = 128 - u32::from(bits);
    ((addr << shift) & keep) >> shift
}

fn cidrs(list: &[&str]) -> Vec<Cidr> {
    list.iter().filter_map(|c| Cidr::parse(c)).collect()
}

/// Where pod IPs live: RFC 1918, the carrier-grade NAT range some CNIs use, IPv6 ULA.
fn private_ranges() -> Vec<Cidr> {
    cidrs(&[
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
    ])
}

/// Addresses no internet client has: private ranges plus loopback, link-local, "this network".
fn non_public_ranges() -> Vec<Cidr> {
    let mut v = private_ranges();
    v.extend(cidrs(&[
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fe80::/10",
    ]));
    v
}

/// An `ipBlock`.
#[derive(Debug, Clone)]
struct Block {
    cidr: Cidr,
    except: Vec<Cidr>,
}

impl Block {
    fn parse(b: &IpBlock) -> Result<Block, String> {
        let cidr = Cidr::parse(&b.cidr).ok_or_else(|| format!("invalid CIDR {:?}", b.cidr))?;
        let except = b
            .except
            .iter()
            .map(|e| Cidr::parse(e).ok_or_else(|| format!("invalid except CIDR {e:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Block { cidr, except })
    }

    fn excepted(&self, c: &Cidr) -> bool {
        self.except.iter().any(|e| e.contains(c))
    }

    /// Some public address is in the block.
    fn admits_public(&self) -> bool {
        !non_public_ranges().iter().any(|r| r.contains(&self.cidr)) && !self.excepted(&self.cidr)
    }

    /// Some private address (where a pod IP may be) is in the block.
    fn admits_private(&self) -> bool {
        private_ranges()
            .iter()
            .filter_map(|r| r.intersect(&self.cidr))
            .any(|i| !self.excepted(&i))
    }

    /// Every private address of the block's family is in it: any pod's IP.
    fn admits_all_private(&self) -> bool {
        private_ranges()
            .iter()
            .filter(|r| r.v6 == self.cidr.v6)
            .all(|r| self.cidr.contains(r) && !self.except.iter().any(|e| e.intersect(r).is_some()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Index;
    use crate::testutil::snapshot;

    const PODS: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: storefront}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
kind: Deployment
metadata: {name: controller, namespace: ingress-nginx}
spec: {template: {metadata: {labels: {app: ingress}}, spec: {containers: [{name: c}]}}}
---
kind: Deployment
metadata: {name: batch, namespace: shop}
spec: {template: {metadata: {labels: {app: batch, tier: jobs}}, spec: {containers: [{name: c}]}}}
";

    /// The verdict for `to` receiving from `from` (workload names), with these policies.
    fn ingress_verdict(policies: &str, from: &str, to: &str) -> Verdict {
        let snap = snapshot(&format!("{PODS}---\n{policies}"));
        let ix = Index::new(&snap);
        let find = |n: &str| ix.workloads.iter().find(|w| w.name == n).cloned();
        let (Some(src), Some(dst)) = (find(from), find(to)) else {
            panic!("fixture names {from} and {to}");
        };
        ix.netpol.ingress(
            &dst,
            Peer::Pod {
                namespace: src.namespace,
                labels: src.spec.pod_labels(),
            },
        )
    }

    #[test]
    fn no_policy_leaves_the_pod_open() {
        assert_eq!(ingress_verdict("", "controller", "web"), Verdict::Open);
    }

    #[test]
    fn empty_pod_selector_with_no_rules_denies_everything() {
        let v = ingress_verdict(
            "kind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n",
            "controller",
            "web",
        );
        assert!(matches!(v, Verdict::Denied(_)));
        // Also from its own namespace.
        assert!(!ingress_verdict(
            "kind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n",
            "batch",
            "web",
        )
        .admits());
    }

    #[test]
    fn pod_selector_peer_is_limited_to_the_policy_namespace() {
        let policy = "
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {}}]}]
";
        assert!(ingress_verdict(policy, "batch", "web").admits());
        assert!(!ingress_verdict(policy, "controller", "web").admits());
    }

    #[test]
    fn namespace_selector_matches_the_automatic_name_label() {
        let policy = "
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
";
        assert!(ingress_verdict(policy, "controller", "web").admits());
        assert!(!ingress_verdict(policy, "batch", "web").admits());
    }

    #[test]
    fn namespace_and_pod_selector_in_one_peer_must_both_match() {
        let policy = |pod: &str| {
            format!(
                "
kind: NetworkPolicy
metadata: {{name: p, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress:
  - from:
    - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ingress-nginx}}}}
      podSelector: {{matchLabels: {{app: {pod}}}}}
"
            )
        };
        assert!(ingress_verdict(&policy("ingress"), "controller", "web").admits());
        assert!(!ingress_verdict(&policy("other"), "controller", "web").admits());
    }

    #[test]
    fn match_expressions_select_the_peer() {
        let policy = |op: &str| {
            format!(
                "
kind: NetworkPolicy
metadata: {{name: p, namespace: shop}}
spec:
  podSelector: {{matchExpressions: [{{key: app, operator: In, values: [web]}}]}}
  ingress:
  - from: [{{podSelector: {{matchExpressions: [{{key: tier, operator: {op}}}]}}}}]
"
            )
        };
        assert!(ingress_verdict(&policy("Exists"), "batch", "web").admits());
        assert!(!ingress_verdict(&policy("DoesNotExist"), "batch", "web").admits());
    }

    #[test]
    fn egress_only_policy_does_not_isolate_ingress() {
        let v = ingress_verdict(
            "kind: NetworkPolicy\nmetadata: {name: e, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress]}\n",
            "controller",
            "web",
        );
        assert_eq!(v, Verdict::Open);
    }

    #[test]
    fn policy_types_default_to_ingress_plus_egress_when_egress_rules_exist() {
        let snap = snapshot(&format!(
            "{PODS}---\nkind: NetworkPolicy\nmetadata: {{name: e, namespace: shop}}\nspec: {{podSelector: {{}}, egress: [{{to: [{{podSelector: {{}}}}]}}]}}\n"
        ));
        let ix = Index::new(&snap);
        let web = ix.workloads.iter().find(|w| w.name == "web").cloned();
        let web = web.expect("web");
        assert!(!ix.netpol.ingress(&web, Peer::AnyPod).admits());
        assert!(!ix.netpol.egress(&web, Peer::AnyPod).admits());
        let only_ingress = snapshot(&format!(
            "{PODS}---\nkind: NetworkPolicy\nmetadata: {{name: e, namespace: shop}}\nspec: {{podSelector: {{}}}}\n"
        ));
        let ix = Index::new(&only_ingress);
        let web = ix.workloads.iter().find(|w| w.name == "web").cloned();
        assert_eq!(
            ix.netpol.egress(&web.expect("web"), Peer::AnyPod),
            Verdict::Open
        );
    }

    #[test]
    fn ip_blocks_admit_internet_clients_only_with_public_addresses() {
        let verdict = |cidr: &str, except: &str| {
            let snap = snapshot(&format!(
                "{PODS}---\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec: {{podSelector: {{}}, ingress: [{{from: [{{ipBlock: {{cidr: '{cidr}', except: [{except}]}}}}]}}]}}\n"
            ));
            let ix = Index::new(&snap);
            let web = ix.workloads.iter().find(|w| w.name == "web").cloned();
            ix.netpol
                .ingress(&web.expect("web"), Peer::Internet)
                .admits()
        };
        assert!(verdict("0.0.0.0/0", ""));
        assert!(verdict("::/0", ""));
        assert!(verdict("0.0.0.0/0", "10.0.0.0/8"));
        assert!(verdict("203.0.113.0/24", ""));
        assert!(!verdict("10.0.0.0/16", ""));
        assert!(!verdict("192.168.1.0/24", ""));
        assert!(!verdict("203.0.113.0/24", "203.0.0.0/16"));
    }

    #[test]
    fn cidr_arithmetic() {
        let c = |s: &str| Cidr::parse(s).expect("valid test CIDR");
        assert!(c("10.0.0.0/8").contains(&c("10.1.2.0/24")));
        assert!(!c("10.1.2.0/24").contains(&c("10.0.0.0/8")));
        assert!(c("0.0.0.0/0").contains(&c("192.168.0.0/16")));
        assert!(!c("0.0.0.0/0").contains(&c("fc00::/7")));
        assert!(c("10.0.0.5/8").contains(&c("10.9.9.9")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
        let b = Block {
            cidr: c("0.0.0.0/0"),
            except: vec![c("10.0.0.0/16"), c("169.254.169.254/32")],
        };
        assert!(b.admits_private()); // 172.16/12 and the rest of 10/8 remain
        assert!(!b.admits_all_private());
        let open = Block {
            cidr: c("0.0.0.0/0"),
            except: vec![c("169.254.169.254/32")],
        };
        assert!(open.admits_all_private());
    }

    #[test]
    fn malformed_policy_is_ignored_with_a_warning() {
        let snap = snapshot(&format!(
            "{PODS}---\nkind: NetworkPolicy\nmetadata: {{name: bad, namespace: shop}}\nspec: {{podSelector: {{}}, ingress: [{{from: [{{ipBlock: {{cidr: 'not-a-cidr'}}}}]}}]}}\n"
        ));
        let ix = Index::new(&snap);
        let w = ix
            .warnings
            .iter()
            .find(|w| w.object.as_deref() == Some("NetworkPolicy/shop/bad"));
        let w = w.expect("a warning about the bad CIDR");
        assert_eq!(w.field.as_deref(), Some("spec.ingress[0].from[0].ipBlock"));
        let web = ix.workloads.iter().find(|w| w.name == "web").cloned();
        assert_eq!(
            ix.netpol.ingress(&web.expect("web"), Peer::AnyPod),
            Verdict::Open
        );
    }

    #[test]
    fn host_network_pods_are_not_isolated() {
        let snap = snapshot(&format!(
            "{PODS}---\nkind: DaemonSet\nmetadata: {{name: exporter, namespace: shop}}\nspec: {{template: {{metadata: {{labels: {{app: x}}}}, spec: {{hostNetwork: true, containers: [{{name: c}}]}}}}}}\n---\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec: {{podSelector: {{}}}}\n"
        ));
        let ix = Index::new(&snap);
        let w = ix.workloads.iter().find(|w| w.name == "exporter").cloned();
        assert_eq!(
            ix.netpol.ingress(&w.expect("exporter"), Peer::AnyPod),
            Verdict::Open
        );
    }
}
