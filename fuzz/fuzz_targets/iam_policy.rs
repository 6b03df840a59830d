//! The IAM policy language: a policy document (JSON object or URL-encoded string) parsed
//! and evaluated against requests, and a whole `get-account-authorization-details` dump
//! (policies, trusts, boundaries, groups) through the AWS index and every AWS technique.
//! Checks: no panic; a statement's three-valued decision is consistent (an unconditional
//! match under a closed context is never `Conditional`; `No` stays `No` when the context
//! becomes known).
#![no_main]

use kubepath_engine::Snapshot;
use kubepath_engine::aws::{
    Applies, AuthorizationDetails, Document, Request, RequestContext, RequestPrincipal,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ACTIONS: [&str; 6] = [
    "iam:PassRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRole",
    "s3:GetObject",
    "iam:CreatePolicyVersion",
    "ec2:RunInstances",
];
const RESOURCES: [&str; 3] = [
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:s3:::bucket/key",
    "*",
];

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        // Raw bytes are still a URL-encoded document candidate.
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = Document::from_value(Value::String(text.to_string()));
        }
        return;
    };
    if value.get("RoleDetailList").is_some()
        || value.get("UserDetailList").is_some()
        || value.get("Policies").is_some()
    {
        if let Ok(details) = serde_json::from_value::<AuthorizationDetails>(value) {
            let snapshot = Snapshot {
                aws: vec![details],
                ..Snapshot::default()
            };
            let _ = kubepath_engine::build_graph(&snapshot);
        }
        return;
    }
    let doc = Document::from_value(value);
    let Some(policy) = doc.policy() else {
        return;
    };
    let unknown = RequestContext::unknown();
    let closed = RequestContext::closed()
        .with("aws:SourceIp", ["203.0.113.7"])
        .with(
            "oidc.eks.us-east-1.amazonaws.com/id/X:sub",
            ["system:serviceaccount:default:app"],
        );
    for statement in &policy.statements {
        let _ = statement.summary();
        let _ = statement.allows_everything();
        for action in ACTIONS {
            for resource in RESOURCES.iter().map(|r| Some(*r)).chain([None]) {
                let principal = Some(RequestPrincipal {
                    kind: "Federated",
                    id: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
                });
                let req = |context| Request {
                    action,
                    resource,
                    principal,
                    context,
                };
                let open = statement.applies(&req(&unknown));
                let known = statement.applies(&req(&closed));
                // Knowing more of the context never turns a definite "no" into a match.
                if open == Applies::No {
                    assert_eq!(
                        known,
                        Applies::No,
                        "closed context matched what unknown refused"
                    );
                }
            }
        }
    }
});
