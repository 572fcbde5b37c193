//! An in-process DynamoDB-compatible server, for examples and tests.
//!
//! With the cargo feature `embedded`, [`EmbeddedDynamoDb::start`] runs [dynoxide] on `127.0.0.1` with an
//! ephemeral port, on a thread of its own (so it outlives any one tokio runtime and never blocks yours).
//! Its data lives in memory and is gone when the handle is dropped. Several servers can run at once.
//!
//! Without the feature the type still exists, and `start` returns [`Error::Config`] saying how to enable
//! it, so code that picks the embedded server at run time fails clearly instead of at a distance.
//!
//! [dynoxide]: https://crates.io/crates/dynoxide-rs

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::Client;

#[cfg(not(feature = "embedded"))]
use crate::error::Error;
use crate::error::Result;

/// The region and credentials clients of the embedded server use; the server checks neither.
const EMBEDDED_REGION: &str = "us-east-1";

/// A running in-process DynamoDB-compatible server. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> structnosql::Result<()> {
/// # if !cfg!(feature = "embedded") { return Ok(()); }
/// let server = structnosql::EmbeddedDynamoDb::start()?;
/// let client = server.client();
/// structnosql::connection::ping(&client).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EmbeddedDynamoDb {
    endpoint_url: String,
    /// Kept for its `Drop`, which stops the server.
    #[cfg(feature = "embedded")]
    _running: server::Running,
}

impl EmbeddedDynamoDb {
    /// Starts a server with an empty in-memory database. Takes a few milliseconds.
    pub fn start() -> Result<Self> {
        #[cfg(feature = "embedded")]
        {
            let running = server::Running::start()?;
            Ok(Self {
                endpoint_url: format!("http://{}", running.address()),
                _running: running,
            })
        }
        #[cfg(not(feature = "embedded"))]
        {
            Err(Error::Config {
                message:
                    "the embedded DynamoDB needs the `embedded` cargo feature of structnosql: \
                          structnosql = { version = \"...\", features = [\"embedded\"] }"
                        .to_owned(),
            })
        }
    }

    /// The server's URL, `http://127.0.0.1:<port>`.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    /// A new client for this server, with fixed region and credentials so that no environment variable
    /// or profile can point it elsewhere.
    pub fn client(&self) -> Client {
        client_for_local_endpoint(&self.endpoint_url)
    }
}

/// A client for a local DynamoDB-compatible server at `endpoint_url`, with fixed region and dummy
/// credentials, ignoring the AWS environment.
pub fn client_for_local_endpoint(endpoint_url: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(EMBEDDED_REGION))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "structnosql-local",
        ))
        .endpoint_url(endpoint_url)
        .build();
    Client::from_conf(config)
}

#[cfg(feature = "embedded")]
mod server {
    use std::net::{SocketAddr, TcpListener};
    use std::thread::JoinHandle;

    use tokio::sync::oneshot;

    use crate::error::{BoxError, Error, Result};

    fn embedded_error(message: &str, source: impl Into<BoxError>) -> Error {
        Error::Embedded {
            message: message.to_owned(),
            source: Some(source.into()),
        }
    }

    /// The server thread and the means to stop it.
    #[derive(Debug)]
    pub(super) struct Running {
        address: SocketAddr,
        shutdown: Option<oneshot::Sender<()>>,
        thread: Option<JoinHandle<()>>,
    }

    impl Running {
        pub(super) fn start() -> Result<Self> {
            let database = dynoxide::Database::memory()
                .map_err(|e| embedded_error("cannot create the in-memory database", e))?;
            // Bind here so the port is known (and any failure reported) before `start` returns.
            let listener = TcpListener::bind("127.0.0.1:0")
                .map_err(|e| embedded_error("cannot bind 127.0.0.1", e))?;
            listener
                .set_nonblocking(true)
                .map_err(|e| embedded_error("cannot configure the listener", e))?;
            let address = listener
                .local_addr()
                .map_err(|e| embedded_error("cannot read the listener's address", e))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| embedded_error("cannot create the server's runtime", e))?;
            let listener = {
                let _guard = runtime.enter();
                tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| embedded_error("cannot register the listener", e))?
            };
            let (shutdown, shutdown_signal) = oneshot::channel::<()>();
            let thread = std::thread::Builder::new()
                .name(format!("structnosql-embedded-{}", address.port()))
                .spawn(move || {
                    // The server only ends with an error when the listener fails; the clients
                    // then see their requests fail, which reports it where it matters.
                    let _ = runtime.block_on(dynoxide::server::serve_with_shutdown(
                        listener,
                        database,
                        async move {
                            let _ = shutdown_signal.await;
                        },
                    ));
                })
                .map_err(|e| embedded_error("cannot start the server thread", e))?;
            Ok(Self {
                address,
                shutdown: Some(shutdown),
                thread: Some(thread),
            })
        }

        pub(super) fn address(&self) -> SocketAddr {
            self.address
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(shutdown) = self.shutdown.take() {
                let _ = shutdown.send(());
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(feature = "embedded"))]
    #[test]
    fn start_without_the_feature_says_how_to_enable_it() {
        match EmbeddedDynamoDb::start() {
            Err(Error::Config { message }) => {
                assert!(message.contains("features = [\"embedded\"]"))
            }
            other => panic!("expected Error::Config, got {other:?}"),
        }
    }

    #[cfg(feature = "embedded")]
    #[test]
    fn start_serves_on_loopback_with_an_ephemeral_port() {
        let server = EmbeddedDynamoDb::start().expect("start");
        let url = server.endpoint_url();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert_ne!(url, "http://127.0.0.1:0");
    }
}
