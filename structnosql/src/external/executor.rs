//! The server side of external tables: takes a request body and the caller the application
//! authenticated, and answers it. Every key, path and value is checked against the served table's
//! model, and the table's policy decides, before anything is sent to DynamoDB.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use serde_json::{json, Value as Json};

use super::policy::{self, Access, Caller, Policy};
use super::wire::{
    self, item_to_json, value_to_json, Answer, Refusal, RefusalKind, Request, Write,
    MAX_COMMIT_RECORDS, OPERATIONS,
};
use crate::error::Error;
use crate::expr::{Condition, UpdateAction};
use crate::model::transform::schema_at;
use crate::model::validation::{check_at, check_writable, check_write};
use crate::model::{Item, TableDataModel, TypeSchema};
use crate::path::{DocumentPath, ResolvedPath};
use crate::table::backend::{Backend, OldValues, PutCondition};
use crate::table::batch::{
    fetch, projection_with_keys, BatchRetry, Fetched, WriteEntry, MAX_GET_KEYS, MAX_WRITES,
};
use crate::table::retry::ExpectedVersion;
use crate::table::{BasicTable, RecordKey};

/// The largest request body an executor reads, unless set otherwise: 1 MiB (DynamoDB's largest
/// item is 400 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The most paths or writes one request (or one record of a commit) may name.
pub const MAX_PATHS: usize = 1000;

/// How many records of a commit are written at the same time.
const COMMIT_CONCURRENCY: usize = 16;

type Pending<'a> = Pin<Box<dyn Future<Output = Result<Json, Refusal>> + Send + 'a>>;

/// A table an executor serves, whatever its model.
trait Served: Send + Sync {
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        name: &'a str,
        operation: wire::Operation,
    ) -> Pending<'a>;
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
pub struct Executor {
    tables: HashMap<String, Arc<dyn Served>>,
    max_body_bytes: usize,
    replays: Option<Replays>,
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
        self.replays = Some(Replays {
            window,
            seen: Mutex::new(HashMap::new()),
        });
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
        let Some(table) = self.tables.get(&request.table) else {
            return Err(refusal(
                RefusalKind::UnknownTable,
                format!("no table is served as {:?}", request.table),
            ));
        };
        if let Some(replays) = &self.replays {
            replays.check(caller, request.request_id.as_deref())?;
        }
        table
            .execute(caller, &request.table, request.operation)
            .await
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

fn refusal(kind: RefusalKind, message: impl Into<String>) -> Refusal {
    Refusal::new(kind, message)
}

/// The answer to a failed operation: the error's kind and the path it names, never DynamoDB's own
/// messages (which name the server's tables).
fn refusal_of(error: Error) -> Refusal {
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
        Error::VersionConflict {
            expected, found, ..
        } => {
            let mut refusal = Refusal::new(
                RefusalKind::VersionConflict,
                "the stored version is not the one the write expected",
            );
            refusal.expected = expected.clone();
            refusal.found = found.clone();
            return refusal;
        }
        // The stored record is not shown: the caller may not be allowed to read all of it.
        Error::ConditionFailed { .. } => {
            return refusal(
                RefusalKind::ConditionFailed,
                "the condition does not hold for the stored record",
            )
        }
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

// ---- One served table -------------------------------------------------------------------------

struct ServedTable<M: TableDataModel, K: RecordKey> {
    table: BasicTable<M, K>,
    policy: Arc<dyn Policy>,
}

/// A request checked against the model: what the policy is shown, and what will be done.
struct Checked {
    operation: policy::Operation,
    /// The key as the caller gave it.
    key: Item,
    /// The key as stored (with the table's leading key).
    key_item: Item,
    reads: Vec<DocumentPath>,
    writes: Vec<DocumentPath>,
    whole_record: bool,
    action: Action,
}

enum Action {
    GetFields,
    GetRecord,
    Update {
        actions: Vec<UpdateAction>,
        return_old: bool,
        condition: Option<Condition>,
        creates_record: bool,
        version: Option<ExpectedVersion>,
    },
    PutRecord {
        record: Item,
        if_absent: bool,
        condition: Option<Condition>,
    },
    DeleteRecord {
        condition: Option<Condition>,
    },
    RemoveRecord,
}

impl<M: TableDataModel, K: RecordKey> Served for ServedTable<M, K> {
    fn execute<'a>(
        &'a self,
        caller: &'a Caller,
        name: &'a str,
        operation: wire::Operation,
    ) -> Pending<'a> {
        Box::pin(async move {
            let operation = match operation {
                wire::Operation::Commit { records } => {
                    return self.commit(caller, name, records).await
                }
                wire::Operation::Scan {
                    index,
                    filter,
                    limit,
                    start,
                    consistent,
                    segment,
                    paths,
                } => {
                    let (filter, filter_paths) = self.condition(filter)?;
                    let scan = crate::table::Scan {
                        index,
                        filter,
                        limit,
                        start: start.map(|start| start.0),
                        consistent,
                        segment: segment.map(|segment| (segment.total, segment.index)),
                    };
                    let paths = paths.map(|paths| paths.into_iter().map(|p| p.0).collect());
                    return self.scan(caller, name, scan, paths, filter_paths).await;
                }
                wire::Operation::BatchGet { keys, paths } => {
                    return self.batch_get(caller, name, keys, paths).await
                }
                wire::Operation::BatchWrite { writes } => {
                    return self.batch_write(caller, name, writes).await
                }
                wire::Operation::Query {
                    index,
                    hash,
                    sort,
                    filter,
                    limit,
                    start,
                    descending,
                    paths,
                } => {
                    let query = QueryRequest {
                        index,
                        hash: hash.0,
                        sort,
                        filter,
                        limit,
                        start: start.map(|start| start.0),
                        descending,
                        paths: paths.into_iter().map(|path| path.0).collect(),
                    };
                    return self.query(caller, name, query).await;
                }
                other => other,
            };
            let checked = self.check(operation)?;
            let access = Access {
                caller,
                table: name,
                operation: checked.operation,
                key: &checked.key,
                reads: &checked.reads,
                writes: &checked.writes,
                whole_record: checked.whole_record,
            };
            self.policy
                .authorize(&access)
                .map_err(|denied| self.denial(name, &denied))?;
            self.run(checked).await.map_err(refusal_of)
        })
    }
}

impl<M: TableDataModel, K: RecordKey> ServedTable<M, K> {
    /// A commit: each record checked, allowed and written on its own; one result per record.
    async fn commit(
        &self,
        caller: &Caller,
        name: &str,
        records: Vec<wire::RecordWrites>,
    ) -> Result<Json, Refusal> {
        if records.len() > MAX_COMMIT_RECORDS {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("a commit may write at most {MAX_COMMIT_RECORDS} records"),
            ));
        }
        let results: Vec<Json> = futures::stream::iter(records)
            .map(|record| async move {
                match self.commit_record(caller, name, record).await {
                    Ok(()) => json!({ "ok": true }),
                    Err(refusal) => json!({ "error": refusal }),
                }
            })
            .buffered(COMMIT_CONCURRENCY)
            .collect()
            .await;
        Ok(json!({ "results": results }))
    }

    async fn commit_record(
        &self,
        caller: &Caller,
        name: &str,
        record: wire::RecordWrites,
    ) -> Result<(), Refusal> {
        let key = record.key.0;
        let key_item = self.key_item(&key)?;
        let groups = record
            .groups
            .into_iter()
            .map(|group| {
                let actions = limited(group.writes)?
                    .into_iter()
                    .map(|write| self.checked_write(write))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((actions, group.creates_record, self.version(group.version)?))
            })
            .collect::<Result<Vec<_>, Refusal>>()?;
        let writes: Vec<DocumentPath> = groups
            .iter()
            .flat_map(|(actions, ..)| actions)
            .map(|action| action.path().clone())
            .collect();
        let access = Access {
            caller,
            table: name,
            operation: policy::Operation::Update,
            key: &key,
            reads: &[],
            writes: &writes,
            whole_record: false,
        };
        self.policy
            .authorize(&access)
            .map_err(|denied| self.denial(name, &denied))?;
        // As a caching table's own commit sends them, without what its cache knows.
        for (actions, creates_record, version) in groups {
            if !actions.is_empty() {
                write_as_committed(
                    self.table.core(),
                    &key_item,
                    actions,
                    creates_record,
                    version,
                    None,
                )
                .await
                .map_err(refusal_of)?;
            }
        }
        Ok(())
    }

    /// One page of a query: its paths, filter, index, partition and start checked, then allowed.
    async fn query(
        &self,
        caller: &Caller,
        name: &str,
        request: QueryRequest,
    ) -> Result<Json, Refusal> {
        let core = self.table.core();
        let paths = limited(request.paths)?;
        for path in &paths {
            self.described(path)?;
        }
        let (filter, filter_paths) = self.condition(request.filter)?;
        let (hash_name, hash_schema) = match &request.index {
            None => (core.primary_index.hash_key.clone(), K::key_schemas().0),
            Some(index) => {
                let hash_name = core
                    .global_secondary_indexes
                    .iter()
                    .find(|known| &known.name == index)
                    .map(|known| known.hash_key.clone())
                    .ok_or_else(|| {
                        refusal(
                            RefusalKind::BadRequest,
                            format!("no index is called {index:?}"),
                        )
                    })?;
                let at = DocumentPath::from_segments(vec![crate::path::Segment::Key(
                    hash_name.as_str().into(),
                )]);
                let schema = self.described(&at)?.schema;
                (hash_name, schema)
            }
        };
        check_write(hash_schema, &request.hash).map_err(|violations| {
            Refusal::new(RefusalKind::InvalidKey, violations.to_string()).at(&hash_name)
        })?;
        if request.limit.is_some_and(|limit| limit < 1) {
            return Err(refusal(RefusalKind::BadRequest, "a limit is at least 1"));
        }
        if let Some(start) = &request.start {
            let partition = match request.index {
                None => core.with_leading_key(request.hash.clone()),
                Some(_) => request.hash.clone(),
            };
            if start.get(&hash_name) != Some(&partition) {
                return Err(refusal(
                    RefusalKind::BadRequest,
                    "the start key is not in the queried partition",
                ));
            }
        }
        let key = Item::from([(hash_name, request.hash.clone())]);
        let mut reads = paths.clone();
        reads.extend(filter_paths);
        let access = Access {
            caller,
            table: name,
            operation: policy::Operation::Query,
            key: &key,
            reads: &reads,
            writes: &[],
            whole_record: false,
        };
        self.policy
            .authorize(&access)
            .map_err(|denied| self.denial(name, &denied))?;
        let query = crate::table::Query {
            index: request.index,
            hash: request.hash,
            sort: request.sort.map(sort_condition),
            filter,
            limit: request.limit,
            start: request.start,
            ascending: !request.descending,
        };
        let (items, metadata) = self
            .table
            .backend
            .query(&query, &paths)
            .await
            .map_err(refusal_of)?;
        Ok(page_json(core, items, metadata))
    }

    /// One page of a scan: its paths and filter checked, then allowed (the policy sees no key).
    async fn scan(
        &self,
        caller: &Caller,
        name: &str,
        scan: crate::table::Scan,
        paths: Option<Vec<DocumentPath>>,
        filter_paths: Vec<DocumentPath>,
    ) -> Result<Json, Refusal> {
        let core = self.table.core();
        let paths = paths.map(limited).transpose()?;
        for path in paths.iter().flatten() {
            self.described(path)?;
        }
        if let Some(index) = &scan.index {
            if !core
                .global_secondary_indexes
                .iter()
                .any(|known| &known.name == index)
            {
                return Err(refusal(
                    RefusalKind::BadRequest,
                    format!("no index is called {index:?}"),
                ));
            }
        }
        if scan.limit.is_some_and(|limit| limit < 1) {
            return Err(refusal(RefusalKind::BadRequest, "a limit is at least 1"));
        }
        let mut reads = paths.clone().unwrap_or_default();
        reads.extend(filter_paths);
        let access = Access {
            caller,
            table: name,
            operation: policy::Operation::Scan,
            key: &Item::new(),
            reads: &reads,
            writes: &[],
            whole_record: paths.is_none(),
        };
        self.policy
            .authorize(&access)
            .map_err(|denied| self.denial(name, &denied))?;
        let projected = paths.map(|paths| projection_with_keys(core, &paths));
        let (items, metadata) = crate::table::scan::scan_page(core, &scan, projected.as_deref())
            .await
            .map_err(refusal_of)?;
        Ok(page_json(core, items, metadata))
    }

    /// A batch get: every key checked and allowed (one denial denies all), then read as the
    /// table's own batch get reads them.
    async fn batch_get(
        &self,
        caller: &Caller,
        name: &str,
        keys: Vec<wire::WireItem>,
        paths: Option<Vec<wire::WirePath>>,
    ) -> Result<Json, Refusal> {
        let core = self.table.core();
        if keys.len() > MAX_GET_KEYS {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("a batch get reads at most {MAX_GET_KEYS} records"),
            ));
        }
        let paths: Option<Vec<DocumentPath>> = paths
            .map(|paths| limited(paths.into_iter().map(|path| path.0).collect()))
            .transpose()?;
        for path in paths.iter().flatten() {
            self.described(path)?;
        }
        let mut key_items = Vec::with_capacity(keys.len());
        for key in keys {
            let key_item = self.key_item(&key.0)?;
            let access = Access {
                caller,
                table: name,
                operation: match paths {
                    Some(_) => policy::Operation::GetFields,
                    None => policy::Operation::GetRecord,
                },
                key: &key.0,
                reads: paths.as_deref().unwrap_or_default(),
                writes: &[],
                whole_record: paths.is_none(),
            };
            self.policy
                .authorize(&access)
                .map_err(|denied| self.denial(name, &denied))?;
            key_items.push(key_item);
        }
        let projected = paths.map(|paths| projection_with_keys(core, &paths));
        let fetched = fetch(
            core,
            BatchRetry::default(),
            &key_items,
            projected.as_deref(),
        )
        .await
        .map_err(refusal_of)?;
        let mut unprocessed = Vec::new();
        let records: Vec<Json> = fetched
            .into_iter()
            .enumerate()
            .map(|(position, fetched)| match fetched {
                Fetched::Found(item) => item_to_json(&core.strip_leading_key(item)),
                Fetched::Missing => Json::Null,
                Fetched::Unprocessed => {
                    unprocessed.push(position);
                    Json::Null
                }
            })
            .collect();
        Ok(json!({ "records": records, "unprocessed": unprocessed }))
    }

    /// A batch write: every put checked against the model, every key checked, each write allowed
    /// (one denial denies all), then written as the table's own batch write writes them.
    async fn batch_write(
        &self,
        caller: &Caller,
        name: &str,
        writes: Vec<wire::BatchWrite>,
    ) -> Result<Json, Refusal> {
        let core = self.table.core();
        if writes.len() > MAX_WRITES {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("a batch write writes at most {MAX_WRITES} records"),
            ));
        }
        let mut entries = Vec::with_capacity(writes.len());
        for (position, write) in writes.into_iter().enumerate() {
            let (operation, key, item) = match write {
                wire::BatchWrite::Put(record) => {
                    let record = self.checked_record(record.0)?;
                    let key = self.key_of_record(&record)?;
                    (policy::Operation::PutRecord, key, Some(record))
                }
                wire::BatchWrite::Delete(key) => (policy::Operation::DeleteRecord, key.0, None),
            };
            let key_item = self.key_item(&key)?;
            let access = Access {
                caller,
                table: name,
                operation,
                key: &key,
                reads: &[],
                writes: &[],
                whole_record: true,
            };
            self.policy
                .authorize(&access)
                .map_err(|denied| self.denial(name, &denied))?;
            let item = item.map(|mut item| {
                core.add_leading_key(&mut item);
                item
            });
            entries.push(WriteEntry {
                key: position,
                key_item,
                item,
            });
        }
        let report = self
            .table
            .batch_write(entries, BatchRetry::default())
            .await
            .map_err(refusal_of)?;
        Ok(json!({ "unprocessed": report.unprocessed }))
    }

    /// A whole record checked against the model and DynamoDB's item size.
    fn checked_record(&self, record: Item) -> Result<Item, Refusal> {
        check_write(
            TypeSchema::Model(self.model()),
            &AttributeValue::M(record.clone()),
        )
        .map_err(|violations| {
            refusal_of(Error::validation_at(&DocumentPath::root(), violations))
        })?;
        let bytes = crate::size::item_bytes(&record);
        if bytes > crate::size::MAX_ITEM_BYTES {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("the record has {bytes} bytes; DynamoDB stores at most 400 KB"),
            ));
        }
        Ok(record)
    }

    /// The answer to a denied request; the reason stays in the server's log.
    fn denial(&self, table: &str, denied: &policy::Denied) -> Refusal {
        tracing::debug!(table, reason = denied.reason(), "denied");
        refusal(
            RefusalKind::Denied,
            "the caller may not do this to this record",
        )
    }

    fn model(&self) -> &'static crate::model::ModelSchema {
        self.table.core().model
    }

    /// Checks a request against the model, without sending anything.
    fn check(&self, operation: wire::Operation) -> Result<Checked, Refusal> {
        let checked = |operation, key: Item, reads, writes, whole_record, action| {
            let key_item = self.key_item(&key)?;
            Ok(Checked {
                operation,
                key,
                key_item,
                reads,
                writes,
                whole_record,
                action,
            })
        };
        match operation {
            wire::Operation::GetFields { key, paths } => {
                let paths = limited(paths.into_iter().map(|path| path.0).collect())?;
                for path in &paths {
                    self.described(path)?;
                }
                checked(
                    policy::Operation::GetFields,
                    key.0,
                    paths,
                    Vec::new(),
                    false,
                    Action::GetFields,
                )
            }
            wire::Operation::GetRecord { key } => checked(
                policy::Operation::GetRecord,
                key.0,
                Vec::new(),
                Vec::new(),
                true,
                Action::GetRecord,
            ),
            wire::Operation::Update {
                key,
                writes,
                return_old,
                condition,
                creates_record,
                version,
            } => {
                let version = self.version(version)?;
                if (creates_record || version.is_some()) && return_old {
                    return Err(refusal(
                        RefusalKind::BadRequest,
                        "an update that creates its record or checks a version answers no old \
                         values",
                    ));
                }
                let (condition, mut reads) = self.condition(condition)?;
                let writes = limited(writes)?;
                if writes.is_empty() {
                    return Err(refusal(RefusalKind::BadRequest, "an update needs writes"));
                }
                let actions = writes
                    .into_iter()
                    .map(|write| self.checked_write(write))
                    .collect::<Result<Vec<_>, _>>()?;
                let paths: Vec<DocumentPath> = actions.iter().map(|a| a.path().clone()).collect();
                if return_old {
                    // What the written paths held is answered: the policy sees them read too.
                    reads.extend(paths.iter().cloned());
                }
                checked(
                    policy::Operation::Update,
                    key.0,
                    reads,
                    paths,
                    false,
                    Action::Update {
                        actions,
                        return_old,
                        condition,
                        creates_record,
                        version,
                    },
                )
            }
            wire::Operation::PutRecord {
                record,
                if_absent,
                condition,
            } => {
                let (condition, reads) = self.condition(condition)?;
                let record = self.checked_record(record.0)?;
                let key = self.key_of_record(&record)?;
                checked(
                    policy::Operation::PutRecord,
                    key,
                    reads,
                    Vec::new(),
                    true,
                    Action::PutRecord {
                        record,
                        if_absent,
                        condition,
                    },
                )
            }
            wire::Operation::DeleteRecord { key, condition } => {
                let (condition, reads) = self.condition(condition)?;
                checked(
                    policy::Operation::DeleteRecord,
                    key.0,
                    reads,
                    Vec::new(),
                    true,
                    Action::DeleteRecord { condition },
                )
            }
            wire::Operation::Commit { .. }
            | wire::Operation::Query { .. }
            | wire::Operation::Scan { .. }
            | wire::Operation::BatchGet { .. }
            | wire::Operation::BatchWrite { .. } => Err(refusal(
                RefusalKind::BadRequest,
                "operations on many records are checked record by record",
            )),
            wire::Operation::RemoveRecord { key } => checked(
                policy::Operation::RemoveRecord,
                key.0,
                Vec::new(),
                Vec::new(),
                true,
                Action::RemoveRecord,
            ),
        }
    }

    /// A request's condition, and the paths it reads (each a path of the model: a condition reads
    /// what it tests, so the policy sees them as reads).
    fn condition(
        &self,
        condition: Option<wire::WireCondition>,
    ) -> Result<(Option<Condition>, Vec<DocumentPath>), Refusal> {
        let Some(wire) = condition else {
            return Ok((None, Vec::new()));
        };
        let (condition, paths) = Condition::from_wire(wire).map_err(refusal_of)?;
        let paths = limited(paths)?;
        for path in &paths {
            self.described(path)?;
        }
        Ok((Some(condition), paths))
    }

    /// The version a write expects, for a model with a version field.
    fn version(
        &self,
        version: Option<wire::WireVersion>,
    ) -> Result<Option<ExpectedVersion>, Refusal> {
        let Some(version) = version else {
            return Ok(None);
        };
        if self.model().version_field().is_none() {
            return Err(refusal(
                RefusalKind::BadRequest,
                "the table's model has no version field",
            ));
        }
        Ok(Some(match version {
            wire::WireVersion::Any => ExpectedVersion::Any,
            wire::WireVersion::Absent => ExpectedVersion::Absent,
            wire::WireVersion::Is(value) => ExpectedVersion::Is(value.0),
        }))
    }

    /// The stored key of the record the caller names: exactly the table's key attributes, of the
    /// key type's types.
    fn key_item(&self, key: &Item) -> Result<Item, Refusal> {
        let core = self.table.core();
        let index = &core.primary_index;
        let names: Vec<&String> = std::iter::once(&index.hash_key)
            .chain(&index.sort_key)
            .collect();
        if key.len() != names.len() || names.iter().any(|name| !key.contains_key(*name)) {
            return Err(refusal(
                RefusalKind::InvalidKey,
                format!("a key has exactly the attributes {names:?}"),
            ));
        }
        let hash = key.get(&index.hash_key).cloned();
        let sort = index
            .sort_key
            .as_ref()
            .and_then(|name| key.get(name).cloned());
        let record_key = hash
            .ok_or_else(|| refusal(RefusalKind::InvalidKey, "the key has no hash key"))
            .and_then(|hash| {
                K::from_key_values(hash, sort)
                    .map_err(|violations| refusal(RefusalKind::InvalidKey, violations.to_string()))
            })?;
        core.key_item(&record_key)
            .map_err(|error| Refusal::new(RefusalKind::InvalidKey, error.to_string()))
    }

    /// The key attributes of a whole record, as the caller would name it.
    fn key_of_record(&self, record: &Item) -> Result<Item, Refusal> {
        let index = &self.table.core().primary_index;
        Ok(std::iter::once(&index.hash_key)
            .chain(&index.sort_key)
            .filter_map(|name| record.get(name).map(|value| (name.clone(), value.clone())))
            .collect())
    }

    /// The type the model stores at `path`; refused when the model has no such path.
    fn described(&self, path: &DocumentPath) -> Result<ResolvedPath, Refusal> {
        crate::table::values::check_field_path(path).map_err(refusal_of)?;
        let key = &self.table.core().primary_index;
        if let Some(first) = path.segments().first().and_then(|s| s.name()) {
            if path.depth() > 1 && (first == key.hash_key || key.sort_key.as_deref() == Some(first))
            {
                return Err(Refusal::new(
                    RefusalKind::UnknownPath,
                    format!("{path} is inside a key attribute"),
                )
                .at(path.to_string()));
            }
        }
        let (schema, field) = schema_at(self.model(), path).ok_or_else(|| {
            Refusal::new(
                RefusalKind::UnknownPath,
                format!("the model has no path {path}"),
            )
            .at(path.to_string())
        })?;
        Ok(ResolvedPath {
            path: path.clone(),
            schema,
            field,
            label: path.to_string(),
        })
    }

    /// A write checked as the table's own string-path writes are: a path of the model, not read-only
    /// nor a key attribute, and a value of its type.
    fn checked_write(&self, write: Write) -> Result<UpdateAction, Refusal> {
        let path = match &write {
            Write::Set { path, .. } | Write::Remove { path } => &path.0,
        };
        let resolved = self.described(path)?;
        check_writable(self.model(), path).map_err(refusal_of)?;
        let key = &self.table.core().primary_index;
        if path.depth() == 1 {
            let name = path.segments().first().and_then(|s| s.name());
            if name == Some(key.hash_key.as_str()) || name == key.sort_key.as_deref() {
                return Err(Refusal::new(
                    RefusalKind::ReadOnly,
                    format!("{path} is a key attribute"),
                )
                .at(path.to_string()));
            }
        }
        match write {
            Write::Set { path, value } => {
                let value = check_at(&resolved, value.0).map_err(refusal_of)?;
                Ok(UpdateAction::Set(path.0, value))
            }
            Write::Remove { path } => Ok(UpdateAction::Remove(path.0)),
        }
    }

    /// Carries out a checked request.
    async fn run(&self, checked: Checked) -> Result<Json, Error> {
        let backend = &*self.table.backend;
        let core = self.table.core();
        let key_item = &checked.key_item;
        match checked.action {
            Action::GetFields => {
                let reads = backend.read(key_item, &checked.reads).await?;
                let values: Vec<Json> = reads
                    .values
                    .iter()
                    .map(|value| value.as_ref().map_or(Json::Null, value_to_json))
                    .collect();
                Ok(json!({ "values": values }))
            }
            Action::GetRecord => {
                let record = backend.read_record(key_item).await?;
                Ok(json!({ "record": record_json(core, record) }))
            }
            Action::Update {
                actions,
                creates_record,
                condition,
                version,
                ..
            } if creates_record || version.is_some() => {
                write_as_committed(
                    core,
                    key_item,
                    actions,
                    creates_record,
                    version,
                    condition.as_ref(),
                )
                .await?;
                Ok(json!({ "old": {} }))
            }
            Action::Update {
                actions,
                return_old,
                condition,
                ..
            } => {
                let old = if return_old {
                    OldValues::Fetch
                } else {
                    OldValues::Skip
                };
                let written = backend
                    .write(key_item, actions, old, condition.as_ref())
                    .await?;
                Ok(json!({ "old": item_to_json(&written.old) }))
            }
            Action::PutRecord {
                record,
                if_absent,
                condition,
            } => {
                let condition = match (if_absent, &condition) {
                    (true, _) => PutCondition::Absent,
                    (false, Some(condition)) => PutCondition::Holds(condition),
                    (false, None) => PutCondition::None,
                };
                let written = self.table.put_item(record, condition).await?;
                Ok(json!({ "written": written }))
            }
            Action::DeleteRecord { condition } => {
                let existed = backend.delete_record(key_item, condition.as_ref()).await?;
                Ok(json!({ "existed": existed }))
            }
            Action::RemoveRecord => {
                let record = backend.remove_record(key_item).await?;
                Ok(json!({ "record": record_json(core, record) }))
            }
        }
    }
}

/// Writes as a caching table's commit sends them: creating the record even when they are only
/// removes (which replaced writes that would have created it) when `creates_record`, and checking
/// and incrementing the version when one is given.
async fn write_as_committed(
    core: &crate::table::core::TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    creates_record: bool,
    version: Option<ExpectedVersion>,
    condition: Option<&Condition>,
) -> Result<(), Error> {
    crate::table::write::apply_with_knowledge(
        core,
        key_item,
        actions,
        |_| None,
        |_| None,
        creates_record,
        version,
        condition,
    )
    .await
}

/// A page of a query or a scan as the caller sees it (without the table's leading key).
fn page_json(
    core: &crate::table::core::TableCore,
    items: Vec<Item>,
    metadata: crate::table::QueryMetadata,
) -> Json {
    let items: Vec<Json> = items
        .into_iter()
        .map(|item| item_to_json(&core.strip_leading_key(item)))
        .collect();
    json!({
        "items": items,
        "count": metadata.count,
        "last_evaluated_key": metadata
            .last_evaluated_key
            .as_ref()
            .map_or(Json::Null, item_to_json),
    })
}

/// A query as requested, before its checks.
struct QueryRequest {
    index: Option<String>,
    hash: AttributeValue,
    sort: Option<wire::WireSortCondition>,
    filter: Option<wire::WireCondition>,
    limit: Option<i32>,
    start: Option<Item>,
    descending: bool,
    paths: Vec<DocumentPath>,
}

fn sort_condition(wire: wire::WireSortCondition) -> crate::table::SortCondition {
    use crate::table::SortCondition;
    use wire::WireSortCondition as Wire;
    match wire {
        Wire::Eq(value) => SortCondition::Eq(value.0),
        Wire::Lt(value) => SortCondition::Lt(value.0),
        Wire::Le(value) => SortCondition::Le(value.0),
        Wire::Gt(value) => SortCondition::Gt(value.0),
        Wire::Ge(value) => SortCondition::Ge(value.0),
        Wire::Between { low, high } => SortCondition::Between(low.0, high.0),
        Wire::BeginsWith(value) => SortCondition::BeginsWith(value.0),
    }
}

/// A stored record as the caller sees it (without the table's leading key).
fn record_json(core: &crate::table::core::TableCore, record: Option<Item>) -> Json {
    record.map_or(Json::Null, |item| {
        item_to_json(&core.strip_leading_key(item))
    })
}

/// At most [`MAX_PATHS`] paths or writes.
fn limited<T>(items: Vec<T>) -> Result<Vec<T>, Refusal> {
    if items.len() > MAX_PATHS {
        return Err(refusal(
            RefusalKind::TooLarge,
            format!("a request may name at most {MAX_PATHS} paths"),
        ));
    }
    Ok(items)
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
