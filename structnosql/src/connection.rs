//! Ways to obtain the [`aws_sdk_dynamodb::Client`] that tables use.
//!
//! - [`ClientBuilder`] loads the standard AWS configuration (environment variables, shared config and
//!   credentials files, SSO, container and instance metadata) and lets you override the region, the
//!   endpoint and the credentials. `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL` are honoured.
//! - [`client_from_sdk_config`] builds a client from an [`SdkConfig`] you already loaded.
//! - A client you built yourself can be used as it is.
//! - [`crate::EmbeddedDynamoDb`] (cargo feature `embedded`) runs a DynamoDB-compatible server inside the
//!   process, for examples and tests.
//!
//! Building a client sends nothing; [`ping`] checks that the endpoint answers.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::Client;

use crate::error::{Error, Result};

/// Builds a DynamoDB client from the standard AWS configuration, with optional overrides.
///
/// ```no_run
/// # async fn run() -> structnosql::Result<()> {
/// // Everything from the environment (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_DYNAMODB, ...):
/// let client = structnosql::ClientBuilder::new().build().await?;
///
/// // A local server with fixed settings:
/// let local = structnosql::ClientBuilder::new()
///     .region("us-east-1")
///     .endpoint_url("http://127.0.0.1:8000")
///     .static_credentials("local", "local")
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    credentials: Option<Credentials>,
}

impl ClientBuilder {
    /// A builder that takes every setting from the standard AWS configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The AWS region, instead of the one the environment or profile names.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The endpoint URL (for DynamoDB Local, the embedded server or a VPC endpoint), instead of the one the
    /// environment names or the region's default.
    pub fn endpoint_url(mut self, endpoint_url: impl Into<String>) -> Self {
        self.endpoint_url = Some(endpoint_url.into());
        self
    }

    /// Fixed credentials, instead of the credential chain. Local servers accept any.
    pub fn static_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "structnosql-static",
        ));
        self
    }

    /// Loads the configuration and builds the client.
    ///
    /// Fails with [`Error::Config`] when no region is configured anywhere.
    pub async fn build(self) -> Result<Client> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = self.region {
            loader = loader.region(Region::new(region));
        }
        if let Some(endpoint_url) = self.endpoint_url {
            loader = loader.endpoint_url(endpoint_url);
        }
        if let Some(credentials) = self.credentials {
            loader = loader.credentials_provider(credentials);
        }
        client_from_sdk_config(&loader.load().await)
    }
}

/// Builds a DynamoDB client from an [`SdkConfig`] you loaded yourself.
///
/// Fails with [`Error::Config`] when the configuration has no region.
pub fn client_from_sdk_config(config: &SdkConfig) -> Result<Client> {
    if config.region().is_none() {
        return Err(Error::Config {
            message:
                "no AWS region is configured: set AWS_REGION, a region in the AWS profile, or \
                      call ClientBuilder::region"
                    .to_owned(),
        });
    }
    Ok(Client::new(config))
}

/// Sends one small request (`ListTables` with a limit of 1) to check that the endpoint answers and
/// accepts the credentials.
///
/// An endpoint that cannot be reached gives [`Error::Unreachable`]; rejected credentials give
/// [`Error::Service`] with DynamoDB's error code.
pub async fn ping(client: &Client) -> Result<()> {
    client
        .list_tables()
        .limit(1)
        .send()
        .await
        .map_err(|error| Error::from_sdk("ListTables", error))?;
    Ok(())
}
