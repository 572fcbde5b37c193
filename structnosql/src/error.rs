//! The one error type of the crate.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

// Only the leaf modules that define what errors carry: nothing here reaches back to the error.
use crate::item::Item;
use crate::model::violation::{Violation, Violations};
use crate::path::segment::DocumentPath;

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
    #[error(
        "cannot reach DynamoDB for {operation}{}: {message}",
        on_record(record)
    )]
    Unreachable {
        /// The DynamoDB API operation that was sent (`PutItem`, `ListTables`, ...).
        operation: &'static str,
        /// The table and record concerned (`table[key]`), where there is one.
        record: Option<String>,
        /// The transport's description of the failure.
        message: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },

    /// DynamoDB answered with an error.
    #[error("DynamoDB {operation}{} failed: {code}: {message}", on_record(record))]
    Service {
        /// The DynamoDB API operation that was sent.
        operation: &'static str,
        /// The table and record concerned (`table[key]`), where there is one.
        record: Option<String>,
        /// The error code DynamoDB returned (`ValidationException`, `ResourceNotFoundException`, ...).
        code: String,
        /// The message DynamoDB returned.
        message: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },

    /// An external API's policy does not allow this caller this operation (on a table built with
    /// `external_api`). The server does not say whether the record exists.
    #[error("the external API denied {operation}{}", on_record(record))]
    Denied {
        /// The operation (`GetFields`, `Update`, `PutRecord`, ...).
        operation: &'static str,
        /// The table and record concerned (`table[key]`).
        record: Option<String>,
    },

    /// An external API refused an operation, or could not be reached (on a table built with
    /// `external_api`).
    #[error(
        "the external API answered {operation}{} with {kind}: {message}",
        on_record(record)
    )]
    External {
        /// The operation (`GetFields`, `Update`, `PutRecord`, ...).
        operation: &'static str,
        /// The table and record concerned (`table[key]`).
        record: Option<String>,
        /// The HTTP status, or `None` when no answer came.
        status: Option<u16>,
        /// The refusal's kind as the wire format names it (`validation`, `unknown_path`,
        /// `too_large`, ...), or `unreachable` / `not_an_answer` for the transport.
        kind: String,
        /// What the server or the transport said.
        message: String,
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

    /// A string path is not well formed.
    #[error("malformed path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A string path names no field of the model.
    #[error("unknown path {path:?}{}", suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
    UnknownPath {
        /// The path as given.
        path: String,
        /// The closest path the model has.
        suggestion: Option<String>,
    },

    /// A query of an entity's partial key cannot be built as asked (a field of the hash key without
    /// a value, a field of the sort key given without those before it); nothing was sent.
    #[error("invalid query: {message}")]
    InvalidQuery {
        /// What is wrong.
        message: String,
    },

    /// A `{{placeholder}}` of a string path was given no value.
    #[error("path {path:?} needs a value for {{{{{placeholder}}}}}")]
    MissingKeyValue {
        /// The path as given.
        path: String,
        /// The placeholder's name.
        placeholder: String,
    },

    /// A `{{placeholder}}` was given a value of the wrong kind (a key for a list, an index for a map).
    #[error("path {path:?}: wrong value for {{{{{placeholder}}}}}: {reason}")]
    InvalidKeyValue {
        /// The path as given.
        path: String,
        /// The placeholder's name.
        placeholder: String,
        /// What is wrong.
        reason: String,
    },

    /// A path reaches deeper than DynamoDB's 32 levels of nesting.
    #[error("path {path} is {depth} levels deep; DynamoDB allows 32")]
    TooDeep {
        /// The path.
        path: String,
        /// Its depth.
        depth: usize,
    },

    /// A write has more actions than one DynamoDB request accepts (100 per transaction); nothing was
    /// sent.
    #[error("{what} has {count} actions; DynamoDB allows {limit} per {request}")]
    TooManyActions {
        /// What has too many actions (a transaction, an atomic commit).
        what: String,
        /// How many it has.
        count: usize,
        /// How many one request accepts.
        limit: usize,
        /// The request (`TransactWriteItems`).
        request: &'static str,
    },

    /// A write that must be sent as one request does not fit one: its update expression needs more
    /// than DynamoDB's 4 KB or 300 clauses. A condition is checked by one request, and a transaction
    /// holds one request per record, so neither can be split. Nothing was sent.
    #[error("{what} needs {requests} UpdateItem requests; it must fit one (4 KB of expression, 300 clauses)")]
    NotOneRequest {
        /// What does not fit (a conditional write, a record's writes in a transaction).
        what: String,
        /// How many requests it needs.
        requests: usize,
    },

    /// The record kept changing under the write: after each failed condition the write was planned
    /// again against the record DynamoDB returned, and it failed every time. Nothing more was sent;
    /// retrying later usually succeeds.
    #[error(
        "{operation}{}: the record kept changing during {attempts} attempts",
        on_record(record)
    )]
    Contention {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The table and record (`table[key]`), when one record is concerned.
        record: Option<String>,
        /// How many requests were sent.
        attempts: usize,
    },

    /// An operation names an index the table was not configured with.
    #[error("table {table} has no index {index:?}")]
    UnknownIndex {
        /// The table.
        table: String,
        /// The index asked for.
        index: String,
    },

    /// A request could not be built from what was given (a required part is missing).
    #[error("{operation}: the request could not be built: {message}")]
    RequestBuild {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The SDK's description.
        message: String,
    },

    /// A write is larger than DynamoDB accepts; nothing was sent.
    #[error("{what} is too large: about {bytes} bytes (limit: {limit})")]
    TooLarge {
        /// What is too large (an item, one write).
        what: String,
        /// Its estimated size.
        bytes: usize,
        /// The limit it passes.
        limit: &'static str,
    },

    /// A value to be written does not fit the model or DynamoDB's rules; nothing was sent.
    #[error("invalid value: {}", join(violations))]
    Validation {
        /// Every problem found, each with its path from the record's root.
        violations: Vec<Violation>,
    },

    /// Data read from DynamoDB does not match the model.
    #[error("stored data does not match the model: {}", join(violations))]
    InvalidStoredData {
        /// Every problem found, each with its path from the record's root.
        violations: Vec<Violation>,
    },

    /// A field update or remove targets a `#[structnosql(read_only)]` field, or a path inside one;
    /// nothing was sent. Read-only fields are written only with the whole record (`put_record`,
    /// batch puts, a transaction's put).
    #[error("{path} is read-only: it is written only with the whole record")]
    ReadOnly {
        /// The path that was to be written or removed.
        path: String,
    },

    /// An update that must not create the record found no record.
    #[error("record {record} does not exist")]
    RecordNotFound {
        /// The table and record (`table[key]`).
        record: String,
    },

    /// The condition of a conditional write did not hold; nothing was written.
    #[error("{operation} on {record}: the condition did not hold")]
    ConditionFailed {
        /// The DynamoDB operation.
        operation: &'static str,
        /// The table and record (`table[key]`).
        record: String,
        /// The record as it was when the condition was checked (`None`: there was no record).
        current: Option<Box<Item>>,
    },

    /// A transaction was cancelled: nothing was written. Each action's reason, as DynamoDB gave it.
    #[error("the transaction was cancelled: {}", describe_cancelled(actions))]
    TransactionCanceled {
        /// Every action of the transaction, in order, with why it failed (if it did).
        actions: Vec<CancelledAction>,
    },

    /// An optimistic-locking conflict: the record's version is not the one the write expected, so
    /// another writer changed it since it was read. Nothing was written.
    #[error("{record}: version conflict, expected {expected:?}, found {found:?}")]
    VersionConflict {
        /// The table and record (`table[key]`).
        record: String,
        /// The version the write expected (`None`: the record was expected not to exist).
        expected: Option<String>,
        /// The version found (`None`: no record, or no version).
        found: Option<String>,
    },

    /// The table's configuration does not match the model or DynamoDB's rules.
    #[error("table {table}: {message}")]
    Schema {
        /// The table.
        table: String,
        /// What does not match.
        message: String,
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

/// Why one action of a cancelled transaction failed, as DynamoDB reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelledAction {
    /// The action, as added: `"Update users[x42]"`.
    pub action: String,
    /// DynamoDB's reason code (`ConditionalCheckFailed`, `TransactionConflict`, …); `None` when this
    /// action did not fail.
    pub code: Option<String>,
    /// DynamoDB's message.
    pub message: Option<String>,
    /// The record as it was, when a condition failed.
    pub current: Option<Item>,
}

fn on_record(record: &Option<String>) -> String {
    record
        .as_ref()
        .map(|record| format!(" on {record}"))
        .unwrap_or_default()
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A [`Error::Validation`] for a value written at `base`.
    pub(crate) fn validation_at(base: &DocumentPath, violations: Violations) -> Self {
        Error::Validation {
            violations: violations.at(base).into_iter().collect(),
        }
    }

    /// An [`Error::InvalidStoredData`] for a value read from `base`.
    pub(crate) fn stored_data_at(base: &DocumentPath, violations: Violations) -> Self {
        Error::InvalidStoredData {
            violations: violations.at(base).into_iter().collect(),
        }
    }

    /// Converts an error of the AWS SDK, naming the operation that was sent.
    pub(crate) fn from_sdk<E, R>(operation: &'static str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match &error {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Unreachable {
                operation,
                record: None,
                message: DisplayErrorContext(&error).to_string(),
                source: Box::new(error),
            },
            _ => Error::Service {
                operation,
                record: None,
                code: error.code().unwrap_or("Unknown").to_owned(),
                message: error
                    .message()
                    .map(str::to_owned)
                    .unwrap_or_else(|| DisplayErrorContext(&error).to_string()),
                source: Box::new(error),
            },
        }
    }

    /// An SDK request builder's error: a request that could not be built.
    pub(crate) fn request_build(
        operation: &'static str,
        error: aws_sdk_dynamodb::error::BuildError,
    ) -> Self {
        Error::RequestBuild {
            operation,
            message: error.to_string(),
        }
    }

    /// A [`Error::TransactionCanceled`] from DynamoDB's reasons, one per action in order.
    pub(crate) fn transaction_canceled(
        actions: &[String],
        reasons: &[aws_sdk_dynamodb::types::CancellationReason],
    ) -> Self {
        let actions = actions
            .iter()
            .enumerate()
            .map(|(index, action)| {
                let reason = reasons.get(index);
                CancelledAction {
                    action: action.clone(),
                    code: reason
                        .and_then(|reason| reason.code())
                        .filter(|code| *code != "None")
                        .map(str::to_owned),
                    message: reason
                        .and_then(|reason| reason.message())
                        .map(str::to_owned),
                    current: reason.and_then(|reason| reason.item()).cloned(),
                }
            })
            .collect();
        Error::TransactionCanceled { actions }
    }

    /// The same error, naming the record it concerns (`table[key]`).
    pub(crate) fn for_record(mut self, record: impl FnOnce() -> String) -> Self {
        if let Error::Service { record: slot, .. } | Error::Unreachable { record: slot, .. } =
            &mut self
        {
            *slot = Some(record());
        }
        self
    }

    /// The DynamoDB error code, for errors DynamoDB answered with.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

fn describe_cancelled(actions: &[CancelledAction]) -> String {
    let failed: Vec<String> = actions
        .iter()
        .filter_map(|action| {
            action
                .code
                .as_ref()
                .map(|code| format!("{} ({code})", action.action))
        })
        .collect();
    if failed.is_empty() {
        "no action reported a reason".into()
    } else {
        failed.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use crate::model::test_models::{list, resolve_one, s, USER};
    use crate::model::Attribute;

    #[test]
    fn validation_errors_place_violations_below_their_base_path() {
        let violations = Vec::<i32>::from_attribute(list([s("x")])).unwrap_err();
        let base = resolve_one(&USER, "tokens.{{tokenId}}", &[("tokenId", "t1")]).path;
        match Error::stored_data_at(&base, violations) {
            Error::InvalidStoredData { violations } => {
                assert_eq!(violations[0].path.to_string(), "tokens.t1[0]");
            }
            other => panic!("expected InvalidStoredData, got {other:?}"),
        }
    }
}
