//! The client side of external tables: a table built with
//! [`external_api`](crate::table::TableBuilder::external_api) sends each operation on one record
//! as one HTTP request in the [`wire`](super::wire) format, to an application's [`Executor`].
//!
//! [`Executor`]: https://docs.rs/structnosql/latest/structnosql/external/struct.Executor.html

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use super::wire::{self, Answer, Operation, Request, WireItem, WirePath, WireValue, Write};
use crate::error::{Error, Result};
use crate::expr::{Condition, UpdateAction};
use crate::model::Item;
use crate::path::DocumentPath;
use crate::table::core::TableCore;
use crate::table::retry::ExpectedVersion;
use crate::table::transaction::Planned;

/// Produces the value of a header for each request (a token that may be refreshed).
type HeaderSource = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// Where an external table's requests go, and what they carry: the endpoint of the application's
/// [`Executor`](https://docs.rs/structnosql/latest/structnosql/external/struct.Executor.html)
/// route, headers (fixed, or produced per request, such as a session token), a time-out and
/// retries.
///
/// ```no_run
/// # use structnosql::external::ExternalApi;
/// # use structnosql::table::{BasicTable, PrimaryIndex};
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Profile { user_id: String }
/// # async fn run(session_token: String) -> structnosql::Result<()> {
/// let api = ExternalApi::new("https://api.example.com/db")
///     .header_from("authorization", move || Some(format!("Bearer {session_token}")));
/// let profiles = BasicTable::<Profile>::builder()
///     .table_name("profiles")
///     .external_api(api)
///     .primary_index(PrimaryIndex::hash("user_id"))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ExternalApi {
    endpoint: String,
    headers: Vec<(String, HeaderSource)>,
    timeout: Duration,
    retries: u32,
    http: reqwest::Client,
    /// Counts the requests sent, for a caching table's statistics.
    sent: Option<Arc<AtomicU64>>,
    /// For the in-process loopback (internals): the name the table is served under there, and the
    /// direct table served.
    #[cfg(all(feature = "internals", feature = "external-server"))]
    loopback: Option<(String, Arc<TableCore>)>,
}

impl fmt::Debug for ExternalApi {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ExternalApi")
            .field("endpoint", &self.endpoint)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish()
    }
}

impl ExternalApi {
    /// Requests go to `endpoint` (`POST`, JSON), 30 s time-out, 2 retries of requests that were
    /// not received.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            headers: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 2,
            http: reqwest::Client::new(),
            sent: None,
            #[cfg(all(feature = "internals", feature = "external-server"))]
            loopback: None,
        }
    }

    /// An API executed in this process by the loopback executor, which serves the table as
    /// `served_as` (internals: the test suite through external tables).
    #[cfg(all(feature = "internals", feature = "external-server"))]
    pub(crate) fn loopback(served_as: String, direct: TableCore) -> Self {
        let mut api = Self::new("in-process");
        api.loopback = Some((served_as, Arc::new(direct)));
        api
    }

    /// The direct table the loopback serves for this API.
    #[cfg(all(feature = "internals", feature = "external-server"))]
    pub(crate) fn loopback_direct(&self) -> Option<&TableCore> {
        self.loopback.as_ref().map(|(_, direct)| &**direct)
    }

    /// The name requests give `core`'s table: its own, or the loopback's.
    pub(crate) fn served_name<'a>(&'a self, core: &'a TableCore) -> &'a str {
        #[cfg(all(feature = "internals", feature = "external-server"))]
        if let Some((name, _)) = &self.loopback {
            return name;
        }
        &core.table_name
    }

    /// Sends `name: value` with every request.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        self.header_from(name, move || Some(value.clone()))
    }

    /// Sends `name` with the value `value` produces for each request (none when it gives `None`):
    /// a token that is refreshed, for instance.
    pub fn header_from(
        mut self,
        name: impl Into<String>,
        value: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.headers.push((name.into(), Arc::new(value)));
        self
    }

    /// How long a request may take, retries apart.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a request is sent again when it did not reach the server (connection
    /// refused or reset before sending). A request that may have been received is never sent again.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// This API, counting its requests in `sent`.
    pub(crate) fn counting(mut self, sent: Arc<AtomicU64>) -> Self {
        self.sent = Some(sent);
        self
    }

    /// Whether requests to `other` go where this API's go.
    pub(crate) fn same_endpoint(&self, other: &ExternalApi) -> bool {
        self.endpoint == other.endpoint
    }

    /// Sends `operation` on `core`'s table and answers its data, or the error the answer or the
    /// transport gives, naming `operation_name` and `record`.
    async fn call(
        &self,
        core: &TableCore,
        operation_name: &'static str,
        key_item: Option<&Item>,
        operation: Operation,
    ) -> Result<Json> {
        let record = || key_item.map(|key_item| core.describe_record(key_item));
        match self
            .exchange(self.served_name(core), operation_name, &record, operation)
            .await?
        {
            Ok(data) => Ok(data),
            Err((status, refusal)) => Err(refused(operation_name, record(), status, refusal)),
        }
    }

    /// Sends `body` and answers the HTTP status and the answer's bytes; the error when the transport
    /// fails.
    async fn transport(
        &self,
        body: Vec<u8>,
        operation_name: &'static str,
        record: &(dyn Fn() -> Option<String> + Sync),
    ) -> Result<(u16, Vec<u8>)> {
        let count = || {
            if let Some(sent) = &self.sent {
                sent.fetch_add(1, Ordering::Relaxed);
            }
        };
        #[cfg(all(feature = "internals", feature = "external-server"))]
        if self.loopback.is_some() {
            count();
            return Ok(super::loopback::execute(body).await);
        }
        let mut attempt = 0;
        let response = loop {
            let mut builder = self
                .http
                .post(&self.endpoint)
                .timeout(self.timeout)
                .header("content-type", "application/json")
                .body(body.clone());
            for (name, value) in &self.headers {
                if let Some(value) = value() {
                    builder = builder.header(name.as_str(), value);
                }
            }
            count();
            match builder.send().await {
                Ok(response) => break response,
                Err(error) if error.is_connect() && attempt < self.retries => attempt += 1,
                Err(error) => {
                    return Err(Error::External {
                        operation: operation_name,
                        record: record(),
                        status: None,
                        kind: "unreachable".into(),
                        message: error.to_string(),
                    })
                }
            }
        };
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|error| Error::External {
            operation: operation_name,
            record: record(),
            status: Some(status),
            kind: "unreachable".into(),
            message: error.to_string(),
        })?;
        Ok((status, bytes.to_vec()))
    }

    /// Sends `operation` on `table`: its data, or the server's refusal with the HTTP status; the
    /// error when the transport fails or the answer is not in the wire format.
    async fn exchange(
        &self,
        table: &str,
        operation_name: &'static str,
        record: &(dyn Fn() -> Option<String> + Sync),
        operation: Operation,
    ) -> Result<std::result::Result<Json, (u16, wire::Refusal)>> {
        let request = Request {
            version: wire::VERSION,
            table: table.to_owned(),
            request_id: Some(request_id()),
            operation,
        };
        let body = serde_json::to_vec(&request).map_err(|error| Error::External {
            operation: operation_name,
            record: record(),
            status: None,
            kind: "bad_request".into(),
            message: error.to_string(),
        })?;
        let (status, bytes) = self.transport(body, operation_name, record).await?;
        let answer: Answer = serde_json::from_slice(&bytes).map_err(|_| Error::External {
            operation: operation_name,
            record: record(),
            status: Some(status),
            kind: "not_an_answer".into(),
            message: format!("the answer (HTTP {status}) is not in the wire format"),
        })?;
        match (answer.success, answer.data, answer.error) {
            (true, Some(data), _) => Ok(Ok(data)),
            (_, _, Some(refusal)) => Ok(Err((status, refusal))),
            _ => Err(Error::External {
                operation: operation_name,
                record: record(),
                status: Some(status),
                kind: "not_an_answer".into(),
                message: "the answer carries neither data nor an error".into(),
            }),
        }
    }
}

/// The error for a refusal of `operation` on `record`.
fn refused(
    operation: &'static str,
    record: Option<String>,
    status: u16,
    refusal: wire::Refusal,
) -> Error {
    match refusal.kind {
        wire::RefusalKind::Denied => return Error::Denied { operation, record },
        wire::RefusalKind::VersionConflict => {
            return Error::VersionConflict {
                record: record.unwrap_or_default(),
                expected: refusal.expected.map(String::from),
                found: refusal.found.map(String::from),
            }
        }
        // The server does not show the stored record (the caller may not read all of it).
        wire::RefusalKind::ConditionFailed => {
            return Error::ConditionFailed {
                operation,
                record: record.unwrap_or_default(),
                current: refusal.current.map(|current| Box::new(current.0)),
            }
        }
        // The kinds a direct table reports with an error of their own, reported with it.
        wire::RefusalKind::RecordNotFound => {
            return Error::RecordNotFound {
                record: record.unwrap_or_default(),
            }
        }
        wire::RefusalKind::ReadOnly => {
            return Error::ReadOnly {
                path: refusal.path.unwrap_or_default(),
            }
        }
        wire::RefusalKind::UnknownPath => {
            return Error::UnknownPath {
                path: refusal.path.unwrap_or_default(),
                suggestion: None,
            }
        }
        wire::RefusalKind::Validation | wire::RefusalKind::InvalidKey => {
            return Error::Validation {
                // The message names the path already.
                violations: vec![crate::model::Violation {
                    path: DocumentPath::root(),
                    message: refusal.message,
                }],
            };
        }
        _ => {}
    }
    Error::External {
        operation,
        record,
        status: Some(status),
        kind: serde_json::to_value(refusal.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_owned))
            .unwrap_or_default(),
        message: match refusal.path {
            Some(path) => format!("{} (at {path})", refusal.message),
            None => refusal.message,
        },
    }
}

/// A request name unique to this process run: the time it started and a counter.
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static STARTED: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos())
    });
    format!("{started:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The key attributes as the caller names them (without the table's leading key, which the
/// server adds).
fn wire_key(key_item: &Item) -> WireItem {
    WireItem(key_item.clone())
}

fn paths_of(paths: &[DocumentPath]) -> Vec<WirePath> {
    paths.iter().cloned().map(WirePath).collect()
}

fn item_of(json: &Json) -> Result<Option<Item>> {
    match json {
        Json::Null => Ok(None),
        other => serde_json::from_value::<WireItem>(other.clone())
            .map(|item| Some(item.0))
            .map_err(|error| not_an_answer(error.to_string())),
    }
}

/// An answer's field (`null` when it has none).
fn field<'a>(data: &'a Json, name: &str) -> &'a Json {
    data.get(name).unwrap_or(&Json::Null)
}

/// An answer's field that is `true` or `false`.
fn flag(data: &Json, name: &str) -> Result<bool> {
    field(data, name)
        .as_bool()
        .ok_or_else(|| not_an_answer(format!("{name} must be true or false")))
}

fn not_an_answer(message: String) -> Error {
    Error::External {
        operation: "answer",
        record: None,
        status: Some(200),
        kind: "not_an_answer".into(),
        message,
    }
}

// ---- The operations on one record -------------------------------------------------------------

/// Reads `paths` of a record (all of it for no paths), as a fragment navigable by them.
pub(crate) async fn get_paths(
    api: &ExternalApi,
    core: &TableCore,
    key_item: &Item,
    paths: &[DocumentPath],
) -> Result<Option<Item>> {
    if paths.is_empty() {
        let data = api
            .call(
                core,
                "GetItem",
                Some(key_item),
                Operation::GetRecord {
                    key: wire_key(key_item),
                },
            )
            .await?;
        return item_of(field(&data, "record"));
    }
    let data = api
        .call(
            core,
            "GetItem",
            Some(key_item),
            Operation::GetFields {
                key: wire_key(key_item),
                paths: paths_of(paths),
            },
        )
        .await?;
    item_of(field(&data, "record"))
}

/// Field writes to one record, as an external API takes them.
pub(crate) struct Update<'a> {
    pub(crate) actions: Vec<UpdateAction>,
    /// Whether to answer what the written paths held.
    pub(crate) return_old: bool,
    pub(crate) condition: Option<&'a Condition>,
    /// Whether the writes create the record even if only removes are left (a commit's).
    pub(crate) creates_record: bool,
    /// The version a commit expects (none for a plain write, whose version the server increments).
    pub(crate) version: Option<&'a ExpectedVersion>,
    /// What is known of the written paths.
    pub(crate) known: Vec<wire::KnownPath>,
}

/// What `existing` and `present` know of the paths `actions` write, for the server to plan the
/// request as a direct table would.
pub(crate) fn known_paths(
    actions: &[UpdateAction],
    existing: &impl Fn(&DocumentPath) -> Option<usize>,
    present: &impl Fn(&DocumentPath) -> Option<bool>,
) -> Vec<wire::KnownPath> {
    actions
        .iter()
        .filter_map(|action| {
            let path = action.path();
            let known = wire::KnownPath {
                path: WirePath(path.clone()),
                existing: match action {
                    UpdateAction::Set(..) => existing(path).and_then(|d| u32::try_from(d).ok()),
                    UpdateAction::Remove(_) => None,
                },
                present: match action {
                    UpdateAction::Remove(_) => present(path),
                    UpdateAction::Set(..) => None,
                },
            };
            (known.existing.is_some() || known.present.is_some()).then_some(known)
        })
        .collect()
}

/// Applies field writes in one request; answers what the written paths held when `return_old`.
pub(crate) async fn update(
    api: &ExternalApi,
    core: &TableCore,
    key_item: &Item,
    update: Update<'_>,
) -> Result<Item> {
    let Update {
        actions,
        return_old,
        condition,
        creates_record,
        version,
        known,
    } = update;
    let condition = condition.map(|c| c.to_wire(core.model)).transpose()?;
    let writes = writes_of(actions);
    let data = api
        .call(
            core,
            "UpdateItem",
            Some(key_item),
            Operation::Update {
                key: wire_key(key_item),
                writes,
                return_old,
                condition,
                creates_record,
                version: version.and_then(|version| wire_version(core, version)),
                known,
            },
        )
        .await?;
    Ok(item_of(field(&data, "old"))?.unwrap_or_default())
}

/// Writes a whole record; `false` when `if_absent` and one has its key.
pub(crate) async fn put(
    api: &ExternalApi,
    core: &TableCore,
    key_item: &Item,
    record: Item,
    if_absent: bool,
    condition: Option<&Condition>,
) -> Result<bool> {
    let condition = condition.map(|c| c.to_wire(core.model)).transpose()?;
    let data = api
        .call(
            core,
            "PutItem",
            Some(key_item),
            Operation::PutRecord {
                record: WireItem(core.without_computed(record)),
                if_absent,
                condition,
            },
        )
        .await?;
    flag(&data, "written")
}

/// Deletes a record; whether there was one.
pub(crate) async fn delete(
    api: &ExternalApi,
    core: &TableCore,
    key_item: &Item,
    condition: Option<&Condition>,
) -> Result<bool> {
    let condition = condition.map(|c| c.to_wire(core.model)).transpose()?;
    let data = api
        .call(
            core,
            "DeleteItem",
            Some(key_item),
            Operation::DeleteRecord {
                key: wire_key(key_item),
                condition,
            },
        )
        .await?;
    flag(&data, "existed")
}

/// Deletes a record and answers it.
pub(crate) async fn remove(
    api: &ExternalApi,
    core: &TableCore,
    key_item: &Item,
) -> Result<Option<Item>> {
    let data = api
        .call(
            core,
            "DeleteItem",
            Some(key_item),
            Operation::RemoveRecord {
                key: wire_key(key_item),
            },
        )
        .await?;
    item_of(field(&data, "record"))
}

/// Field writes as sent (an entity's computed writes included, which the server checks).
fn writes_of(actions: Vec<UpdateAction>) -> Vec<Write> {
    actions
        .into_iter()
        .map(|action| match action {
            UpdateAction::Set(path, value) => Write::Set {
                path: WirePath(path),
                value: WireValue(value),
            },
            UpdateAction::Remove(path) => Write::Remove {
                path: WirePath(path),
            },
        })
        .collect()
}

/// One page of a query.
pub(crate) async fn query(
    api: &ExternalApi,
    core: &TableCore,
    query: &crate::table::Query,
    paths: &[DocumentPath],
) -> Result<(Vec<Item>, crate::table::QueryMetadata)> {
    use crate::table::SortCondition;
    use wire::WireSortCondition as Wire;
    let sort = query.sort.clone().map(|sort| match sort {
        SortCondition::Eq(value) => Wire::Eq(WireValue(value)),
        SortCondition::Lt(value) => Wire::Lt(WireValue(value)),
        SortCondition::Le(value) => Wire::Le(WireValue(value)),
        SortCondition::Gt(value) => Wire::Gt(WireValue(value)),
        SortCondition::Ge(value) => Wire::Ge(WireValue(value)),
        SortCondition::Between(low, high) => Wire::Between {
            low: WireValue(low),
            high: WireValue(high),
        },
        SortCondition::BeginsWith(value) => Wire::BeginsWith(WireValue(value)),
    });
    let filter = query
        .filter
        .as_ref()
        .map(|filter| filter.to_wire(core.model))
        .transpose()?;
    let operation = Operation::Query {
        index: query.index.clone(),
        hash: WireValue(query.hash.clone()),
        sort,
        filter,
        limit: query.limit,
        start: query.start.clone().map(WireItem),
        descending: !query.ascending,
        consistent: query.consistent,
        paths: paths_of(paths),
    };
    let data = api.call(core, "Query", None, operation).await?;
    page_of(&data)
}

/// One page of a scan.
pub(crate) async fn scan(
    api: &ExternalApi,
    core: &TableCore,
    scan: &crate::table::Scan,
    projected: Option<&[DocumentPath]>,
) -> Result<(Vec<Item>, crate::table::QueryMetadata)> {
    let filter = scan
        .filter
        .as_ref()
        .map(|filter| filter.to_wire(core.model))
        .transpose()?;
    let operation = Operation::Scan {
        index: scan.index.clone(),
        filter,
        limit: scan.limit,
        start: scan.start.clone().map(WireItem),
        consistent: scan.consistent,
        segment: scan
            .segment
            .map(|(total, index)| wire::ScanSegment { total, index }),
        paths: projected.map(paths_of),
    };
    let data = api.call(core, "Scan", None, operation).await?;
    page_of(&data)
}

/// A page of a query or a scan from its answer.
fn page_of(data: &Json) -> Result<(Vec<Item>, crate::table::QueryMetadata)> {
    let items = serde_json::from_value::<Vec<WireItem>>(field(data, "items").clone())
        .map_err(|error| not_an_answer(error.to_string()))?
        .into_iter()
        .map(|item| item.0)
        .collect::<Vec<_>>();
    let last_evaluated_key = item_of(field(data, "last_evaluated_key"))?;
    let count = field(data, "count")
        .as_i64()
        .and_then(|count| i32::try_from(count).ok())
        .ok_or_else(|| not_an_answer("count must be a number".into()))?;
    Ok((
        items,
        crate::table::QueryMetadata {
            count,
            has_reached_end: last_evaluated_key.is_none(),
            last_evaluated_key,
        },
    ))
}

/// The version a write expects, for a model with a version field (`None` otherwise).
fn wire_version(core: &TableCore, version: &ExpectedVersion) -> Option<wire::WireVersion> {
    core.model.version_field()?;
    Some(match version {
        ExpectedVersion::Any => wire::WireVersion::Any,
        ExpectedVersion::Absent => wire::WireVersion::Absent,
        ExpectedVersion::Is(value) => wire::WireVersion::Is(WireValue(value.clone())),
    })
}

/// One group of a record's writes in a commit, applied as one update.
pub(crate) struct Group {
    pub(crate) actions: Vec<UpdateAction>,
    /// Whether it creates the record even if only removes are left.
    pub(crate) creates_record: bool,
    /// The version it expects (the first group of a versioned record's).
    pub(crate) version: Option<ExpectedVersion>,
    /// What is known of the paths it writes.
    pub(crate) known: Vec<wire::KnownPath>,
}

/// A record's key attributes and its groups of writes.
pub(crate) type RecordGroups = (Item, Vec<Group>);

/// One request of a batch get: the records found and the keys left unprocessed.
pub(crate) async fn batch_get(
    api: &ExternalApi,
    core: &TableCore,
    keys: Vec<Item>,
    projected: Option<&[DocumentPath]>,
) -> Result<(Vec<Item>, Vec<Item>)> {
    let operation = Operation::BatchGet {
        keys: keys.iter().map(wire_key).collect(),
        paths: projected.map(paths_of),
    };
    let data = api.call(core, "BatchGetItem", None, operation).await?;
    let records = field(&data, "records")
        .as_array()
        .filter(|records| records.len() == keys.len())
        .ok_or_else(|| not_an_answer("one record per key".into()))?;
    let found = records
        .iter()
        .map(item_of)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let unprocessed = positions(&data)?
        .into_iter()
        .filter_map(|position| keys.get(position).cloned())
        .collect();
    Ok((found, unprocessed))
}

/// One request of a batch write (puts with their record, deletes without): the keys (as batch
/// fingerprints) of the writes left unprocessed.
pub(crate) async fn batch_write(
    api: &ExternalApi,
    core: &TableCore,
    writes: Vec<(Item, Option<Item>)>,
) -> Result<std::collections::HashSet<String>> {
    let operation = Operation::BatchWrite {
        writes: writes
            .iter()
            .map(|(key_item, item)| match item {
                Some(item) => wire::BatchWrite::Put(WireItem(core.without_computed(item.clone()))),
                None => wire::BatchWrite::Delete(wire_key(key_item)),
            })
            .collect(),
    };
    let data = api.call(core, "BatchWriteItem", None, operation).await?;
    Ok(positions(&data)?
        .into_iter()
        .filter_map(|position| writes.get(position))
        .map(|(key_item, _)| crate::table::batch::fingerprint(core, key_item))
        .collect())
}

/// The positions an answer lists as unprocessed.
fn positions(data: &Json) -> Result<Vec<usize>> {
    match field(data, "unprocessed") {
        Json::Null => Ok(Vec::new()),
        listed => {
            serde_json::from_value(listed.clone()).map_err(|error| not_an_answer(error.to_string()))
        }
    }
}

/// Sends the writes of many records (each as groups applied in order) in as few requests as
/// [`wire::MAX_COMMIT_RECORDS`] allows: one for up to that many records. One outcome per record.
pub(crate) async fn commit(
    api: &ExternalApi,
    core: &TableCore,
    records: Vec<RecordGroups>,
) -> Vec<Result<()>> {
    let mut outcomes = Vec::with_capacity(records.len());
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let chunk: Vec<RecordGroups> = records.by_ref().take(wire::MAX_COMMIT_RECORDS).collect();
        let describe: Vec<String> = chunk
            .iter()
            .map(|(key_item, _)| core.describe_record(key_item))
            .collect();
        let operation = Operation::Commit {
            records: chunk
                .into_iter()
                .map(|(key_item, groups)| wire::RecordWrites {
                    key: wire_key(&key_item),
                    groups: groups
                        .into_iter()
                        .map(|group| wire::WriteGroup {
                            writes: writes_of(group.actions),
                            creates_record: group.creates_record,
                            version: group
                                .version
                                .and_then(|version| wire_version(core, &version)),
                            known: group.known,
                        })
                        .collect(),
                })
                .collect(),
        };
        let answered = api
            .call(core, "UpdateItem", None, operation)
            .await
            .and_then(|data| {
                serde_json::from_value::<Vec<CommitResult>>(field(&data, "results").clone())
                    .ok()
                    .filter(|results| results.len() == describe.len())
                    .ok_or_else(|| not_an_answer("one result per record".into()))
            });
        match answered {
            Ok(results) => {
                outcomes.extend(results.into_iter().zip(describe).map(|(result, record)| {
                    match result {
                        CommitResult { ok: true, .. } => Ok(()),
                        CommitResult {
                            error: Some(refusal),
                            ..
                        } => Err(refused("UpdateItem", Some(record), 200, refusal)),
                        CommitResult { .. } => {
                            Err(not_an_answer("a result without an error".into()))
                        }
                    }
                }));
            }
            // No record of the request is known to be written: each keeps its writes pending.
            Err(error) => outcomes.extend(describe.into_iter().map(|record| {
                Err(match &error {
                    Error::Denied { operation, .. } => Error::Denied {
                        operation,
                        record: Some(record),
                    },
                    Error::External {
                        operation,
                        status,
                        kind,
                        message,
                        ..
                    } => Error::External {
                        operation,
                        record: Some(record),
                        status: *status,
                        kind: kind.clone(),
                        message: message.clone(),
                    },
                    other => Error::External {
                        operation: "UpdateItem",
                        record: Some(record),
                        status: None,
                        kind: "unreachable".into(),
                        message: other.to_string(),
                    },
                })
            })),
        }
    }
    outcomes
}

/// One record's result in a commit's answer.
#[derive(serde::Deserialize)]
struct CommitResult {
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    error: Option<wire::Refusal>,
}

// ---- Transactions -----------------------------------------------------------------------------

/// A transaction's action as the server takes it.
pub(crate) fn transact_action(
    core: &TableCore,
    planned: Planned,
) -> Result<wire::TransactWriteAction> {
    let condition = |condition: Option<Condition>| {
        condition
            .map(|condition| condition.to_wire(core.model))
            .transpose()
    };
    let action = match planned {
        Planned::Put {
            item, condition: c, ..
        } => wire::TransactAction::Put {
            record: WireItem(core.without_computed(item)),
            condition: condition(c)?,
        },
        Planned::Update {
            key_item,
            actions,
            condition: c,
        } => wire::TransactAction::Update {
            key: wire_key(&key_item),
            writes: writes_of(actions),
            condition: condition(c)?,
        },
        Planned::Delete {
            key_item,
            condition: c,
        } => wire::TransactAction::Delete {
            key: wire_key(&key_item),
            condition: condition(c)?,
        },
        Planned::Check {
            key_item,
            condition: c,
        } => wire::TransactAction::Check {
            key: wire_key(&key_item),
            condition: c.to_wire(core.model)?,
        },
    };
    Ok(wire::TransactWriteAction {
        table: served_name(core),
        action,
    })
}

/// A read of a read transaction as the server takes it.
pub(crate) fn transact_read(core: &TableCore, key_item: Item) -> wire::TransactGetRead {
    wire::TransactGetRead {
        table: served_name(core),
        key: wire_key(&key_item),
    }
}

/// The name requests give `core`'s table, an external one.
fn served_name(core: &TableCore) -> String {
    match core.external() {
        Some(api) => api.served_name(core).to_owned(),
        None => core.table_name.clone(),
    }
}

/// Sends a write transaction (its `actions` described by `described`, in order).
pub(crate) async fn transact_write(
    api: &ExternalApi,
    actions: Vec<wire::TransactWriteAction>,
    token: String,
    described: &[String],
) -> Result<()> {
    let table = actions
        .first()
        .map(|action| action.table.clone())
        .unwrap_or_default();
    let operation = Operation::TransactWrite {
        actions,
        token: Some(token),
    };
    let answer = api
        .exchange(&table, "TransactWriteItems", &|| None, operation)
        .await?;
    refused_in_many("TransactWriteItems", described, answer).map(drop)
}

/// Sends a read transaction: the records read, in order.
pub(crate) async fn transact_get(
    api: &ExternalApi,
    reads: Vec<wire::TransactGetRead>,
) -> Result<Vec<Option<Item>>> {
    let count = reads.len();
    let table = reads
        .first()
        .map(|read| read.table.clone())
        .unwrap_or_default();
    let data = match api
        .exchange(
            &table,
            "TransactGetItems",
            &|| None,
            Operation::TransactGet { reads },
        )
        .await?
    {
        Ok(data) => data,
        Err((status, refusal)) => return Err(refused("TransactGetItems", None, status, refusal)),
    };
    let records = match field(&data, "records") {
        Json::Array(records) if records.len() == count => records,
        _ => return Err(not_an_answer("one record per read".into())),
    };
    records.iter().map(item_of).collect()
}

/// The outcome of a request on many records (`described`, in order): a refusal that names one of
/// them by position names it, and a cancelled transaction gives its reason per action.
fn refused_in_many(
    operation: &'static str,
    described: &[String],
    answer: std::result::Result<Json, (u16, wire::Refusal)>,
) -> Result<Json> {
    let (status, mut refusal) = match answer {
        Ok(data) => return Ok(data),
        Err(refused) => refused,
    };
    if refusal.kind == wire::RefusalKind::TransactionCanceled {
        let mut reasons = refusal.reasons.take().unwrap_or_default().into_vec();
        reasons.resize_with(described.len(), || wire::CancelReason {
            code: "None".into(),
            current: None,
        });
        return Err(Error::TransactionCanceled {
            actions: described
                .iter()
                .zip(reasons)
                .map(|(action, reason)| crate::error::CancelledAction {
                    action: action.clone(),
                    code: (reason.code != "None").then_some(reason.code),
                    message: None,
                    current: reason.current.map(|current| current.0),
                })
                .collect(),
        });
    }
    let record = refusal
        .record
        .and_then(|position| described.get(usize::from(position)))
        .cloned();
    Err(refused(operation, record, status, refusal))
}

/// A caching table's atomic commit: every record's writes in one transaction on the server.
pub(crate) async fn commit_atomically(
    api: &ExternalApi,
    core: &TableCore,
    records: Vec<crate::table::caching::RecordWrites>,
) -> Result<()> {
    let described: Vec<String> = records
        .iter()
        .map(|record| core.describe_record(&record.key_item))
        .collect();
    let operation = Operation::AtomicCommit {
        records: records
            .into_iter()
            .map(|record| wire::AtomicRecord {
                key: wire_key(&record.key_item),
                writes: writes_of(record.actions),
                created: paths_of(&record.created),
                version: wire_version(core, &record.version),
                exists: record.exists,
            })
            .collect(),
    };
    let answer = api
        .exchange(
            api.served_name(core),
            "TransactWriteItems",
            &|| None,
            operation,
        )
        .await?;
    let described: Vec<String> = described
        .into_iter()
        .map(|record| format!("Update {record}"))
        .collect();
    refused_in_many("TransactWriteItems", &described, answer).map(drop)
}
