//! The actions the escalation techniques ask about, and a per-policy bitmask of which of
//! them some Allow statement could grant. A principal's mask is the union over its
//! identity policies, so "can it possibly do X?" is one bit test before any evaluation:
//! the technique walk stays near-linear in principals (STYLE.md: IAM statements indexed by
//! action).

use std::sync::LazyLock;

use super::policy::{Effect, PolicyDocument};

/// Every action a technique checks. At most 128 (one `u128` mask).
pub const TRACKED: &[&str] = &[
    "sts:AssumeRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:CreateOpenIDConnectProvider",
    "iam:CreateInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "ec2:RunInstances",
    "ec2:AssociateIamInstanceProfile",
    "ec2:CreateLaunchTemplate",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
    "lambda:CreateEventSourceMapping",
    "lambda:UpdateFunctionCode",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "codebuild:CreateProject",
    "codebuild:StartBuild",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "glue:CreateDevEndpoint",
    "glue:UpdateDevEndpoint",
    "datapipeline:CreatePipeline",
    "datapipeline:PutPipelineDefinition",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:CreateService",
    "autoscaling:CreateLaunchConfiguration",
    "autoscaling:CreateAutoScalingGroup",
    "ssm:SendCommand",
    "ssm:StartSession",
    "eks:CreatePodIdentityAssociation",
    "eks:CreateAccessEntry",
    "eks:AssociateAccessPolicy",
];

const _: () = assert!(TRACKED.len() <= 128, "TRACKED must fit a u128 mask");

/// The bit of a tracked action (case-insensitive), `None` for any other action.
pub fn bit(action: &str) -> Option<u128> {
    TRACKED
        .iter()
        .position(|a| a.eq_ignore_ascii_case(action))
        .map(|i| 1u128 << i)
}

/// The tracked actions some Allow statement of the document names (resources and
/// conditions aside).
pub fn allow_mask(doc: &PolicyDocument) -> u128 {
    static LOWER: LazyLock<Vec<String>> =
        LazyLock::new(|| TRACKED.iter().map(|a| a.to_ascii_lowercase()).collect());
    let mut mask = 0u128;
    for s in &doc.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        for (i, a) in LOWER.iter().enumerate() {
            if mask & (1 << i) == 0 && s.matches_action_lowercase(a) {
                mask |= 1 << i;
            }
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mask_has_the_allowed_tracked_actions_only() {
        let d = PolicyDocument::from_value(&json!({"Statement": [
            {"Effect": "Allow", "Action": ["iam:Put*", "s3:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}
        ]}))
        .unwrap();
        let m = allow_mask(&d);
        assert_ne!(m & bit("iam:PutRolePolicy").unwrap(), 0);
        assert_ne!(m & bit("IAM:putuserpolicy").unwrap(), 0);
        assert_eq!(m & bit("iam:PassRole").unwrap(), 0);
        assert_eq!(m & bit("sts:AssumeRole").unwrap(), 0);
        assert!(bit("s3:GetObject").is_none());
    }
}
