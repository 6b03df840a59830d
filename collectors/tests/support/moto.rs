//! A real moto server (PyPI `moto[server]`, installed by `.ci/test`) on 127.0.0.1 and a free
//! port, killed when dropped, plus SDK clients to seed it.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The account moto serves.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub struct Moto {
    child: Child,
    pub endpoint: String,
    log: PathBuf,
}

/// The `moto_server` binary: `KUBEPATH_MOTO_SERVER`, else the venv `.ci/test` makes under
/// `$KUBEPATH_TOOLS` (default `~/.cache/kubepath-tools`).
fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBEPATH_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let tools = std::env::var_os("KUBEPATH_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/kubepath-tools"))
        })
        .unwrap_or_default();
    tools.join("moto-venv/bin/moto_server")
}

impl Moto {
    /// Start a server with extra environment (`INITIAL_NO_AUTH_ACTION_COUNT`) and wait until
    /// it answers.
    pub fn start(env: &[(&str, &str)]) -> Moto {
        let bin = binary();
        assert!(
            bin.is_file(),
            "moto_server not found at {}: run `.ci/test` (it installs moto[server] into $KUBEPATH_TOOLS/moto-venv), or set KUBEPATH_MOTO_SERVER",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free local port");
        let log = std::env::temp_dir().join(format!("kubepath-moto-{port}.log"));
        let out = std::fs::File::create(&log).expect("moto log file");
        let err = out.try_clone().expect("moto log file");
        let mut cmd = Command::new(&bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; run `.ci/test`", bin.display()));
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited ({status}): {}", moto.log());
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 60 s: {}",
                moto.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn http() -> SharedHttpClient {
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https()
    }

    /// An IAM client with the given keys (moto takes any keys until auth is enforced).
    pub fn iam_as(&self, key: &str, secret: &str) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .http_client(Self::http())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_as("testing", "testing")
    }

    pub fn eks(&self) -> aws_sdk_eks::Client {
        let conf = aws_sdk_eks::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .http_client(Self::http())
            .build();
        aws_sdk_eks::Client::from_conf(conf)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
