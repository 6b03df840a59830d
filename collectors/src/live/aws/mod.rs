//! Live AWS collection: the account's IAM authorization details and the EKS cluster's own
//! API objects, read with the credentials and region the aws CLI would use, written in the
//! aws CLI's JSON shapes so the offline reader takes them unchanged.
//!
//! Every call that fails (AccessDenied, an API the endpoint does not implement, a network
//! error after the retries) becomes a [`CoverageGap`] saying what it may hide; the rest is
//! still collected. No credentials at all means the collector is skipped.

mod eks;
mod iam;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::ProvideCredentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use kubepath_engine::snapshot::CoverageGap;
use serde_json::Value;

use super::{CollectedFile, Collection};

/// Where collected AWS files go inside the snapshot folder.
pub const DIR: &str = "aws";
/// `CoverageGap::source` of every AWS gap.
pub const SOURCE: &str = "aws";
/// IAM is global; its API (and STS) still needs a region to sign for.
const GLOBAL_REGION: &str = "us-east-1";

/// How to reach the account, like the aws CLI's global options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// `--profile` (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// `--region` (else `AWS_REGION`/`AWS_DEFAULT_REGION`, the profile, IMDS).
    pub region: Option<String>,
    /// `--endpoint-url` for every service (else `AWS_ENDPOINT_URL` and its per-service forms).
    pub endpoint_url: Option<String>,
    /// The EKS cluster; when absent, the region's only cluster (ListClusters) if there is
    /// exactly one.
    pub cluster_name: Option<String>,
    /// Attempts per call, retries included (throttling and transient errors back off
    /// exponentially). `None`: 8.
    pub max_attempts: Option<u32>,
}

const DEFAULT_ATTEMPTS: u32 = 8;

/// Collect the account and cluster. Never fails: what could not be read is in `gaps`, and
/// `skipped` says why nothing was tried (no credentials).
pub async fn collect(opts: &AwsOptions) -> Collection {
    let mut out = Collection::default();
    let sdk = load_config(opts).await;
    let Some(provider) = sdk.credentials_provider() else {
        out.skipped = Some("no AWS credentials provider is configured".into());
        return out;
    };
    if let Err(e) = provider.provide_credentials().await {
        out.skipped = Some(format!(
            "no AWS credentials (profile, environment, SSO, web identity, container or instance metadata): {}",
            DisplayErrorContext(&e)
        ));
        return out;
    }
    let global = sdk
        .region()
        .cloned()
        .unwrap_or_else(|| Region::new(GLOBAL_REGION));

    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&sdk)
            .region(global.clone())
            .build(),
    );
    match sts.get_caller_identity().send().await {
        Ok(id) => out.facts.account = id.account().map(str::to_string),
        Err(e) => out.gaps.push(gap(
            "sts:GetCallerIdentity",
            &e,
            "nothing in the analysis: the account id is taken from the IAM ARNs instead",
        )),
    }

    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(&sdk)
            .region(global)
            .build(),
    );
    iam::collect(&iam, &mut out).await;

    if sdk.region().is_none() {
        out.gaps.push(CoverageGap {
            source: SOURCE.into(),
            what: "eks".into(),
            namespace: None,
            reason: "no AWS region configured (--aws-region, AWS_REGION or the profile's region)"
                .into(),
            may_hide:
                "the EKS cluster: its OIDC issuer, access entries and pod identity associations"
                    .into(),
        });
    } else {
        let eks = aws_sdk_eks::Client::new(&sdk);
        eks::collect(&eks, opts.cluster_name.as_deref(), &mut out).await;
    }
    out
}

/// The SDK configuration the aws CLI would use, with kubepath's HTTP client (rustls on
/// ring), retries and timeouts.
async fn load_config(opts: &AwsOptions) -> SdkConfig {
    // ring, never aws-lc: the SDK's default client would bring aws-lc, and two rustls crypto
    // providers in one process make rustls panic at run time.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(opts.max_attempts.unwrap_or(DEFAULT_ATTEMPTS).max(1)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(120))
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// A failed call as a coverage gap: the error code and message the API returned.
fn gap<E>(what: &str, err: &E, may_hide: &str) -> CoverageGap
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    CoverageGap {
        source: SOURCE.into(),
        what: what.into(),
        namespace: None,
        reason: reason(err),
        may_hide: may_hide.into(),
    }
}

/// `Code: message` when the service answered with an error, else the whole error chain
/// (connection refused, timeout, an endpoint that does not serve the API).
fn reason<E>(err: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// Calls that fail one item at a time (describe one access entry, ...) become one gap per
/// call, naming a few of the items.
#[derive(Default)]
struct ItemFailures {
    reason: Option<String>,
    items: Vec<String>,
}

impl ItemFailures {
    fn push<E>(&mut self, item: String, err: &E)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.reason.get_or_insert_with(|| reason(err));
        self.items.push(item);
    }

    fn into_gap(self, what: &str, may_hide: &str) -> Option<CoverageGap> {
        let reason = self.reason?;
        const SHOWN: usize = 5;
        let mut names = self.items[..self.items.len().min(SHOWN)].join(", ");
        if self.items.len() > SHOWN {
            names.push_str(&format!(" and {} more", self.items.len() - SHOWN));
        }
        Some(CoverageGap {
            source: SOURCE.into(),
            what: what.into(),
            namespace: None,
            reason,
            may_hide: format!("{may_hide} ({} failed: {names})", self.items.len()),
        })
    }
}

/// One file of JSON documents one after another (the reader takes such streams).
fn json_file(name: &str, docs: &[Value]) -> CollectedFile {
    let mut bytes = Vec::new();
    for d in docs {
        // Serialising a `Value` cannot fail.
        if serde_json::to_writer_pretty(&mut bytes, d).is_ok() {
            bytes.push(b'\n');
        }
    }
    CollectedFile {
        name: format!("{DIR}/{name}"),
        bytes,
    }
}
