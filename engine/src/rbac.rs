//! Kubernetes RBAC authorization, evaluated the way the API server's RBAC authorizer does.
//! (Skeleton: filled in by the RBAC work.)

use crate::snapshot::{Snapshot, Warning};

pub struct Rbac<'a> {
    _snapshot: &'a Snapshot,
}

impl<'a> Rbac<'a> {
    pub fn new(snapshot: &'a Snapshot, _warnings: &mut Vec<Warning>) -> Self {
        Rbac {
            _snapshot: snapshot,
        }
    }
}
