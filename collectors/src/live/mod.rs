//! Live collection: the cluster the user is logged in to and the cloud account, read the way
//! kubectl and the cloud CLIs read them, written out as an ordinary file snapshot (the same
//! native formats the offline reader takes), so a live scan and a scan of the written folder
//! give the same result.

mod collection;
pub use collection::*;

pub mod aws;
