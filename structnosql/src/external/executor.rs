//! The server side of external tables: takes a request body and the caller the application
//! authenticated, and answers it. Every key, path and value is checked against the served table's
//! model, and the table's policy decides, before anything is sent to DynamoDB.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use aws_sdk_dynamodb::types::{TransactGetItem, TransactWriteItem};

use super::policy::{Caller, Policy};
use super::served::ServedTable;
use super::transact::Rendered;
use super::wire::{self, Answer, Refusal, RefusalKind, Request, WireItem, OPERATIONS};
use crate::error::Error;
use crate::model::{Item, TableDataModel};
use crate::table::{BasicTable, RecordKey};

/// The largest request body an executor reads, unless set otherwise: 1 MiB (DynamoDB's largest
/// item is 400 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The most paths or writes one request (or one record of a commit) may name.
pub const MAX_PATHS: usize = 1000;

pub(super) type Pending<'a> = Pin<Box<dyn Future<Output = Result<Json, Refusal>> + Send + 'a>>;

/// A table an executor serves, whatever its model.
pub(super) trait Served: Send + Sync {
    /// Answers an operation on this table, served as `name`.
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        name: &'a str,
        operation: wire::Operation,
    ) -> Pending<'a>;

    /// One action of a write transaction, checked, allowed and rendered.
    fn transact_action(
        &self,
        caller: &Caller,
        name: &str,
        action: wire::TransactAction,
    ) -> Result<Rendered<TransactWriteItem>, Refusal>;

    /// One read of a read transaction, checked, allowed and rendered.
    fn transact_read(
        &self,
        caller: &Caller,
        name: &str,
        key: &Item,
    ) -> Result<Rendered<TransactGetItem>, Refusal>;

    /// A stored record as the caller sees it (without the table's leading key).
    fn answer_record(&self, record: Option<Item>) -> Json;

    /// The stored `item` of the record `key`, as the caller sees it, if the policy lets the caller
    /// read it whole.
    fn shown(&self, caller: &Caller, name: &str, key: &Item, item: Item) -> Option<WireItem>;
}

/// Answers external tables' requests for the tables it serves. Give it each table with its policy
/// ([`Executor::serve`]), then hand it each request body with the caller your application
/// authenticated ([`Executor::execute`]); [`Executor::router`] (cargo feature `axum`) does the
/// latter for an axum application.
///
/// ```no_run
/// # use structnosql::{BasicTable, TableDataModel};
/// # use structnosql::external::{policy::{self, Caller}, Executor};
/// # #[derive(TableDataModel)] struct Profile { user_id: String, name: Option<String> }
/// # async fn run(profiles: BasicTable<Profile>, body: &[u8]) {
/// let executor = Executor::new().serve("profiles", profiles, policy::OwnRecords::by("user_id"));
/// let (status, answer) = executor.execute(&Caller::new("u1"), body).await;
/// # }
/// ```
#[derive(Clone)]
pub struct Executor {
    tables: HashMap<String, Arc<dyn Served>>,
    max_body_bytes: usize,
    replays: Option<Arc<Replays>>,
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// An executor serving no table yet.
    pub fn new() -> Self {
        Self {
            tables: HashMap::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            replays: None,
        }
    }

    /// Serves `table` under `name` (the name clients use; the DynamoDB table's own name is not
    /// shown), every request to it decided by `policy`.
    pub fn serve<M: TableDataModel, K: RecordKey>(
        mut self,
        name: impl Into<String>,
        table: BasicTable<M, K>,
        policy: impl Policy,
    ) -> Self {
        #[cfg(all(feature = "internals", feature = "external-client"))]
        let table = super::loopback::unrouted(table);
        let served = ServedTable {
            table,
            policy: Arc::new(policy),
        };
        self.tables.insert(name.into(), Arc::new(served));
        self
    }

    /// Refuses bodies larger than `bytes` (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Requires every request to carry a `request_id`, and refuses one a caller already used within
    /// `window`: a captured request sent again is not carried out twice.
    pub fn refuse_replays(mut self, window: Duration) -> Self {
        self.replays = Some(Arc::new(Replays {
            window,
            seen: Mutex::new(HashMap::new()),
        }));
        self
    }

    /// Answers the request `body` from `caller`: the HTTP status and the answer's JSON.
    pub async fn execute(&self, caller: &Caller, body: &[u8]) -> (u16, Vec<u8>) {
        let answer = match self.answer(caller, body).await {
            Ok(data) => Answer::success(data),
            Err(refusal) => Answer::refusal(refusal),
        };
        let status = answer
            .error
            .as_ref()
            .map_or(200, |refusal| refusal.kind.status());
        // An answer is plain JSON values: serializing it cannot fail.
        let body = serde_json::to_vec(&answer).unwrap_or_default();
        (status, body)
    }

    async fn answer(&self, caller: &Caller, body: &[u8]) -> Result<Json, Refusal> {
        if body.len() > self.max_body_bytes {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!(
                    "the body has {} bytes; this server reads at most {}",
                    body.len(),
                    self.max_body_bytes
                ),
            ));
        }
        let request = parse(body)?;
        if request.version != wire::VERSION {
            return Err(refusal(
                RefusalKind::UnsupportedVersion,
                format!(
                    "version {} is not spoken here (this server speaks {})",
                    request.version,
                    wire::VERSION
                ),
            ));
        }
        if let Some(replays) = &self.replays {
            replays.check(caller, request.request_id.as_deref())?;
        }
        match request.operation {
            wire::Operation::TransactWrite { actions, token } => {
                self.transact_write(caller, actions, token).await
            }
            wire::Operation::TransactGet { reads } => self.transact_get(caller, reads).await,
            operation => {
                self.served(&request.table)?
                    .execute(caller, &request.table, operation)
                    .await
            }
        }
    }

    /// The table served as `name`.
    pub(super) fn served(&self, name: &str) -> Result<&Arc<dyn Served>, Refusal> {
        self.tables.get(name).ok_or_else(|| {
            refusal(
                RefusalKind::UnknownTable,
                format!("no table is served as {name:?}"),
            )
        })
    }
}

/// Parses a body, telling an unknown operation from other malformed bodies.
fn parse(body: &[u8]) -> Result<Request, Refusal> {
    serde_json::from_slice(body).map_err(|error| {
        let unknown_operation = serde_json::from_slice::<Json>(body).ok().and_then(|json| {
            json.get("operation")?
                .as_object()?
                .keys()
                .find(|name| !OPERATIONS.contains(&name.as_str()))
                .cloned()
        });
        match unknown_operation {
            Some(name) => refusal(
                RefusalKind::UnknownOperation,
                format!("no operation is called {name:?}"),
            ),
            None => refusal(RefusalKind::BadRequest, error.to_string()),
        }
    })
}

pub(super) fn refusal(kind: RefusalKind, message: impl Into<String>) -> Refusal {
    Refusal::new(kind, message)
}

/// The answer to a failed operation: the error's kind and the path it names, never DynamoDB's own
/// messages (which name the server's tables).
pub(super) fn refusal_of(error: Error) -> Refusal {
    let path = |path: &str| Some(path.to_owned());
    let (kind, at) = match &error {
        Error::Validation { violations } | Error::InvalidStoredData { violations } => (
            RefusalKind::Validation,
            violations.first().map(|v| v.path.to_string()),
        ),
        Error::InvalidPath { path: at, .. } | Error::UnknownPath { path: at, .. } => {
            (RefusalKind::UnknownPath, path(at))
        }
        Error::TooDeep { path: at, .. } => (RefusalKind::Validation, path(at)),
        Error::ReadOnly { path: at } => (RefusalKind::ReadOnly, path(at)),
        Error::InvalidKeyValue { .. } | Error::MissingKeyValue { .. } => {
            (RefusalKind::InvalidKey, None)
        }
        Error::TooLarge { .. } | Error::TooManyActions { .. } => (RefusalKind::TooLarge, None),
        // The policy allowed the caller this record: whether it exists is theirs to know.
        Error::RecordNotFound { .. } => (RefusalKind::RecordNotFound, None),
        Error::Config { .. } | Error::UnknownIndex { .. } | Error::NotOneRequest { .. } => {
            (RefusalKind::BadRequest, None)
        }
        // A request DynamoDB refuses as invalid is the caller's (DynamoDB's message names the
        // server's tables: it is not passed on).
        Error::Service { code, .. } if code == "ValidationException" => {
            return refusal(
                RefusalKind::BadRequest,
                "DynamoDB refused the request as invalid",
            )
        }
        Error::VersionConflict {
            expected, found, ..
        } => {
            let mut refusal = Refusal::new(
                RefusalKind::VersionConflict,
                "the stored version is not the one the write expected",
            );
            refusal.expected = expected.as_deref().map(Box::from);
            refusal.found = found.as_deref().map(Box::from);
            return refusal;
        }
        // The stored record is shown only where the caller may read it (see `Served::shown`).
        Error::ConditionFailed { .. } => return condition_failed(None),
        _ => {
            return refusal(
                RefusalKind::Unavailable,
                "the operation could not be carried out",
            )
        }
    };
    let refusal = Refusal::new(kind, error.to_string());
    match at {
        Some(at) => refusal.at(at),
        None => refusal,
    }
}

/// The refusal of a write whose condition does not hold, showing `current` (the record as
/// stored) when given.
pub(super) fn condition_failed(current: Option<WireItem>) -> Refusal {
    let mut refusal = refusal(
        RefusalKind::ConditionFailed,
        "the condition does not hold for the stored record",
    );
    refusal.current = current.map(Box::new);
    refusal
}

// ---- Replays ----------------------------------------------------------------------------------

/// The request names each caller used within the window.
struct Replays {
    window: Duration,
    seen: Mutex<HashMap<(String, String), Instant>>,
}

impl Replays {
    fn check(&self, caller: &Caller, request_id: Option<&str>) -> Result<(), Refusal> {
        let Some(request_id) = request_id.filter(|id| !id.is_empty() && id.len() <= 128) else {
            return Err(refusal(
                RefusalKind::BadRequest,
                "this server requires a request_id of 1 to 128 characters",
            ));
        };
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        seen.retain(|_, at| now.duration_since(*at) < self.window);
        match seen.entry((caller.id().to_owned(), request_id.to_owned())) {
            std::collections::hash_map::Entry::Occupied(_) => Err(refusal(
                RefusalKind::Replayed,
                "this request was already received",
            )),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(now);
                Ok(())
            }
        }
    }
}
