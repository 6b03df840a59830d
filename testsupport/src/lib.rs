//! Test support for kubepath (not published).
//!
//! [`ApiServer`] is a Kubernetes API server for tests: no kube-apiserver can be installed
//! from the registries this project reaches, so this one speaks the real REST protocol of
//! list calls (paths, `limit`/`continue`, 410 Expired, `Status` bodies, metadata-only lists,
//! bearer tokens over TLS with a CA made at start) over objects the test gives it.

mod apiserver;
mod corpus;
mod resources;

pub use apiserver::{ApiServer, Recorded};
pub use corpus::load_objects;
pub use resources::{RESOURCES, ServedResource};
