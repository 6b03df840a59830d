//! kubepath-engine: the analysis core of kubepath.
//!
//! Input is a [`Snapshot`] value; output is an [`Analysis`] value. This crate does no I/O,
//! has no async runtime and knows nothing of the command line (see ARCHITECTURE.md).

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod graph;
pub mod index;
pub mod ingest;
pub mod labels;
pub mod netpol;
pub mod placement;
pub mod query;
pub mod rbac;
pub mod search;
pub mod snapshot;
pub mod techniques;
#[cfg(test)]
pub(crate) mod testutil;
pub mod vuln;
pub mod what_if;

pub use graph::{AttackGraph, Edge, Evidence, Node, NodeKind};
pub use index::Index;
pub use search::{Analysis, Chain, Options, Severity, Step, analyze};
pub use snapshot::{Snapshot, Source, Warning};
pub use techniques::{CATALOG, Technique};

/// Build the attack graph of a snapshot: every step of every technique whose preconditions
/// hold, on a path or not. Also returns the engine's own warnings about the snapshot.
pub fn build_graph(snapshot: &Snapshot) -> (AttackGraph, Vec<Warning>) {
    let ix = Index::new(snapshot);
    let mut g = AttackGraph::new();
    g.node(graph::id::INTERNET);
    // RBAC, the costliest family, and the IAM privilege escalations read only the index:
    // they run beside the families that come before them, and their edges are added in the
    // same order as a sequential build would add them.
    let (((rbac, minters), privesc), ()) = rayon::join(
        || {
            rayon::join(
                || {
                    let rbac = techniques::rbac::compute(&ix);
                    let minters = if techniques::aws::reads_minters(&ix) {
                        rbac.token_minters()
                    } else {
                        Default::default()
                    };
                    (rbac, minters)
                },
                || techniques::aws::privesc_graph(&ix),
            )
        },
        || {
            techniques::exposure::edges(&ix, &mut g);
            techniques::identity::edges(&ix, &mut g);
            techniques::escape::edges(&ix, &mut g);
            techniques::node::edges(&ix, &mut g);
        },
    );
    // The AWS family reads the RBAC edges only through the token minters, known already:
    // it runs into a graph of its own while the RBAC edges are added, and follows them.
    let ((), aws) = rayon::join(
        || techniques::rbac::add(&ix, rbac, &mut g),
        || {
            let mut aws = AttackGraph::new();
            techniques::aws::edges_but_privesc(&ix, &minters, &mut aws);
            aws
        },
    );
    g.absorb(aws);
    g.absorb(privesc);
    techniques::gcp::edges(&ix, &mut g);
    techniques::azure::edges(&ix, &mut g);
    (g, ix.warnings)
}

/// [`build_graph`] one family after another on this thread: the reference its parallel
/// schedule must equal, edge for edge (tested on generated estates).
#[doc(hidden)]
pub fn build_graph_sequential(snapshot: &Snapshot) -> (AttackGraph, Vec<Warning>) {
    let ix = Index::new(snapshot);
    let mut g = AttackGraph::new();
    g.node(graph::id::INTERNET);
    techniques::exposure::edges(&ix, &mut g);
    techniques::identity::edges(&ix, &mut g);
    techniques::escape::edges(&ix, &mut g);
    techniques::node::edges(&ix, &mut g);
    techniques::rbac::edges(&ix, &mut g);
    techniques::aws::edges(&ix, &mut g);
    techniques::gcp::edges(&ix, &mut g);
    techniques::azure::edges(&ix, &mut g);
    (g, ix.warnings)
}
