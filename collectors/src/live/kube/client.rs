//! Raw GETs against the API server through the kube client (its auth, TLS and exec
//! plugins), with what a polite collector needs: a client-side QPS limit, bounded
//! concurrency, a per-request timeout and retries with backoff on 429 and 5xx.
//!
//! Bodies stay raw JSON values: the lean snapshot types decode them later, and the full
//! generated API types never enter the hot path (STYLE.md "Speed by design").

use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error status (and, usually, a `Status` body).
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer: connection, TLS, auth plugin or timeout.
    Transport(String),
}

impl ApiError {
    pub fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            ApiError::Transport(_) => None,
        }
    }

    /// Worth trying again: throttled, a server-side failure, or no answer.
    fn retryable(&self) -> bool {
        match self {
            ApiError::Status { code, .. } => *code == 429 || (500..600).contains(code),
            ApiError::Transport(_) => true,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Status {
                code,
                reason,
                message,
            } => {
                write!(f, "{code}")?;
                if !reason.is_empty() {
                    write!(f, " {reason}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            ApiError::Transport(m) => write!(f, "{m}"),
        }
    }
}

/// How requests are paced and retried.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Requests per second, client-side (0: unlimited).
    pub qps: f64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Per request, from sending to the last byte of the body.
    pub timeout: Duration,
    /// Retries after the first attempt (429, 5xx, no answer).
    pub retries: u32,
    /// First backoff; doubled per retry, capped at 30 s.
    pub backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            qps: 20.0,
            concurrency: 4,
            timeout: Duration::from_secs(60),
            retries: 5,
            backoff: Duration::from_millis(500),
        }
    }
}

pub struct Api {
    client: kube::Client,
    limits: Limits,
    permits: Semaphore,
    /// When the next request may start (the QPS limit).
    next_slot: Mutex<Instant>,
}

pub const JSON: &str = "application/json";
/// The metadata-only list (`PartialObjectMetadataList`): for Secrets, whose values must
/// never be requested.
pub const METADATA_ONLY: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

impl Api {
    pub fn new(client: kube::Client, limits: Limits) -> Api {
        Api {
            client,
            permits: Semaphore::new(limits.concurrency.max(1)),
            limits,
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// GET `path_and_query`, retrying what is worth retrying; the body as JSON.
    pub async fn get(&self, path_and_query: &str, accept: &str) -> Result<Value, ApiError> {
        let mut attempt = 0;
        loop {
            match self.get_once(path_and_query, accept).await {
                Err((e, retry_after)) if e.retryable() && attempt < self.limits.retries => {
                    let exp = self
                        .limits
                        .backoff
                        .saturating_mul(1 << attempt.min(16))
                        .min(Duration::from_secs(30));
                    tokio::time::sleep(retry_after.map_or(exp, |r| r.min(Duration::from_secs(30))))
                        .await;
                    attempt += 1;
                }
                r => return r.map_err(|(e, _)| e),
            }
        }
    }

    async fn pace(&self) {
        if self.limits.qps <= 0.0 || !self.limits.qps.is_finite() {
            return;
        }
        let interval = Duration::from_secs_f64(1.0 / self.limits.qps);
        let start = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + interval;
            start
        };
        tokio::time::sleep_until(start).await;
    }

    async fn get_once(
        &self,
        path_and_query: &str,
        accept: &str,
    ) -> Result<Value, (ApiError, Option<Duration>)> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| (ApiError::Transport(e.to_string()), None))?;
        self.pace().await;
        let request = http::Request::get(path_and_query)
            .header(http::header::ACCEPT, accept)
            .body(kube::client::Body::empty())
            .map_err(|e| (ApiError::Transport(format!("bad request: {e}")), None))?;
        let exchange = async {
            let response = self.client.send(request).await?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.into_body().collect_bytes().await?;
            Ok::<_, kube::Error>((status, retry_after, body))
        };
        let (status, retry_after, body) =
            match tokio::time::timeout(self.limits.timeout, exchange).await {
                Err(_) => {
                    return Err((
                        ApiError::Transport(format!(
                            "no answer within {} s",
                            self.limits.timeout.as_secs_f64()
                        )),
                        None,
                    ));
                }
                Ok(Err(e)) => return Err((ApiError::Transport(e.to_string()), None)),
                Ok(Ok(x)) => x,
            };
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                (
                    ApiError::Transport(format!("the answer is not JSON: {e}")),
                    None,
                )
            });
        }
        // Error bodies are `metav1.Status`, except from proxies in front of the server.
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let field = |k: &str| {
            parsed
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut message = field("message");
        if message.is_empty() && parsed.is_null() {
            message = String::from_utf8_lossy(&body).chars().take(200).collect();
        }
        Err((
            ApiError::Status {
                code: status.as_u16(),
                reason: field("reason"),
                message,
            },
            retry_after,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_retried_denials_are_not() {
        let s = |code| ApiError::Status {
            code,
            reason: String::new(),
            message: String::new(),
        };
        assert!(s(429).retryable());
        assert!(s(503).retryable());
        assert!(ApiError::Transport("reset".into()).retryable());
        for code in [401, 403, 404, 410] {
            assert!(!s(code).retryable(), "{code}");
        }
    }
}
