//! The one error type of the crate.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A boxed error kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure of structnosql, with what it concerns.
///
/// Match on the variant to react to a kind of failure; the `Display` text names the operation, path or
/// record involved, and [`std::error::Error::source`] keeps the underlying error where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work: a missing region, a disabled cargo feature, an invalid setting.
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// The request never got an answer from DynamoDB: connection refused, DNS failure, time-out.
    #[error("cannot reach DynamoDB for {operation}: {message}")]
    Unreachable {
        /// The DynamoDB API operation that was sent (`PutItem`, `ListTables`, ...).
        operation: &'static str,
        /// The transport's description of the failure.
        message: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },

    /// DynamoDB answered with an error.
    #[error("DynamoDB {operation} failed: {code}: {message}")]
    Service {
        /// The DynamoDB API operation that was sent.
        operation: &'static str,
        /// The error code DynamoDB returned (`ValidationException`, `ResourceNotFoundException`, ...).
        code: String,
        /// The message DynamoDB returned.
        message: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },

    /// A table did not become `ACTIVE` in the time allowed.
    #[error("table {table} is not ACTIVE after {waited:?} (last status: {status})")]
    TableNotActive {
        /// The table's name.
        table: String,
        /// How long the caller waited.
        waited: std::time::Duration,
        /// The last status DynamoDB reported.
        status: String,
    },

    /// The embedded DynamoDB server could not be started.
    #[error("embedded DynamoDB: {message}")]
    Embedded {
        /// What failed.
        message: String,
        /// The underlying error, where there is one.
        #[source]
        source: Option<BoxError>,
    },
}

impl Error {
    /// Converts an error of the AWS SDK, naming the operation that was sent.
    pub fn from_sdk<E, R>(operation: &'static str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match &error {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Unreachable {
                operation,
                message: DisplayErrorContext(&error).to_string(),
                source: Box::new(error),
            },
            _ => Error::Service {
                operation,
                code: error.code().unwrap_or("Unknown").to_owned(),
                message: error
                    .message()
                    .map(str::to_owned)
                    .unwrap_or_else(|| DisplayErrorContext(&error).to_string()),
                source: Box::new(error),
            },
        }
    }

    /// The DynamoDB error code, for errors DynamoDB answered with.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}
