//! The wire format of external tables, version 1: JSON requests and answers whose values keep
//! DynamoDB's types exactly (DynamoDB's own JSON form: `{"S": "text"}`, `{"N": "12.50"}`,
//! `{"B": "<base64>"}`, sets, maps and lists), so that a client in any language can speak it.
//!
//! A request names the format's version, a table (by the name the server serves it under) and one
//! operation:
//!
//! ```json
//! {"version": 1, "table": "users", "request_id": "c1f3…",
//!  "operation": {"get_fields": {"key": {"id": {"S": "u1"}}, "paths": [["profile", "name"]]}}}
//! ```
//!
//! A path is a list of steps: a string names a field or a map key, a number a list position. An
//! answer is `{"version": 1, "success": true, "data": {…}}` or
//! `{"version": 1, "success": false, "error": {"kind": "denied", "message": "…"}}`.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value as Json};

use crate::model::Item;
use crate::path::{DocumentPath, Segment, MAX_DEPTH};

/// The version of the wire format this crate speaks.
pub const VERSION: u32 = 1;

/// One request: a table and an operation on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The wire format's version: [`VERSION`].
    pub version: u32,
    /// The name the server serves the table under.
    pub table: String,
    /// A name for this request, unique per caller, so that a server can refuse a replayed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// What to do.
    pub operation: Operation,
}

/// The operations of version 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Reads the values at `paths` of one record. Answer: `{"record": fragment or null}`: what
    /// the record holds at the paths (a list whole where a path names a position in it), or
    /// `null` when there is no record.
    GetFields {
        /// The record's key attributes.
        key: WireItem,
        /// The paths to read.
        paths: Vec<WirePath>,
    },
    /// Reads a whole record. Answer: `{"record": item or null}`.
    GetRecord {
        /// The record's key attributes.
        key: WireItem,
    },
    /// Sets and removes paths of one record in one write. Answer: `{"old": item}`, what the written
    /// paths held (empty unless `return_old`).
    Update {
        /// The record's key attributes.
        key: WireItem,
        /// The writes, applied as DynamoDB applies one request's.
        writes: Vec<Write>,
        /// Whether to answer what the written paths held before.
        #[serde(default)]
        return_old: bool,
        /// Write only if this holds for the stored record (refusal `condition_failed` otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
        /// Create the record even if the writes are only removes (they replace writes that would
        /// have created it). Not with `return_old`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        creates_record: bool,
        /// For a model with a version field: the version the write expects stored (it stores the
        /// next one). Absent: the version is incremented whatever it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<WireVersion>,
        /// What the client knows of the written paths, so that the server plans the write as the
        /// client's own cache would (see [`KnownPath`]).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        known: Vec<KnownPath>,
    },
    /// Writes a whole record. Answer: `{"written": true}`, or `false` when `if_absent` and a
    /// record with its key exists.
    PutRecord {
        /// The record, key attributes included.
        record: WireItem,
        /// Write only if no record has its key.
        #[serde(default)]
        if_absent: bool,
        /// Write only if this holds for the stored record (refusal `condition_failed` otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
    },
    /// Deletes a record. Answer: `{"existed": bool}`.
    DeleteRecord {
        /// The record's key attributes.
        key: WireItem,
        /// Delete only if this holds for the stored record (refusal `condition_failed` otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
    },
    /// Deletes a record and answers it. Answer: `{"record": item or null}`.
    RemoveRecord {
        /// The record's key attributes.
        key: WireItem,
    },
    /// One page of a query: the records of one partition of the table or of an index, with the
    /// values at `paths`. Answer: `{"items": [item, …], "count": n, "last_evaluated_key": item or
    /// null}` (pass the key as the next page's `start`).
    Query {
        /// The index to query (the table's primary index when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<String>,
        /// The partition: the hash key's value.
        hash: WireValue,
        /// A condition on the sort key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sort: Option<WireSortCondition>,
        /// A condition the records returned must meet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<WireCondition>,
        /// The most records DynamoDB reads for this page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<i32>,
        /// Where the page starts: the previous page's `last_evaluated_key`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<WireItem>,
        /// Sort keys in descending order.
        #[serde(default)]
        descending: bool,
        /// Whether to read consistently (by default: on the table, not on an index).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consistent: Option<bool>,
        /// The paths to read of each record (its key attributes are always returned).
        paths: Vec<WirePath>,
    },
    /// One page of a scan of the table or of an index. Answer as a query's.
    Scan {
        /// The index to scan (the table when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<String>,
        /// A condition the records returned must meet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<WireCondition>,
        /// The most records DynamoDB reads for this page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<i32>,
        /// Where the page starts: the previous page's `last_evaluated_key`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<WireItem>,
        /// Whether to read consistently (by default: on the table, not on an index).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consistent: Option<bool>,
        /// For a parallel scan: the number of segments and this page's segment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        segment: Option<ScanSegment>,
        /// The paths to read of each record (key attributes included); whole records when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paths: Option<Vec<WirePath>>,
    },
    /// Reads up to 100 records (at `paths`, or whole). Answer: `{"records": [item or null, …],
    /// "unprocessed": [position, …]}`, one record per key in order; an unprocessed key's record
    /// is `null` and its position listed.
    BatchGet {
        /// The records' key attributes.
        keys: Vec<WireItem>,
        /// The paths to read of each record (key attributes included); whole records when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paths: Option<Vec<WirePath>>,
    },
    /// Puts and deletes up to 25 records, each on its own key. Answer: `{"unprocessed":
    /// [position, …]}`, the writes DynamoDB left undone.
    BatchWrite {
        /// The writes.
        writes: Vec<BatchWrite>,
    },
    /// Field writes to many records in one request (a caching table's commit): each record's
    /// groups of writes are applied in order, as [`Operation::Update`]s. Records succeed or fail
    /// on their own. Answer: `{"results": [{"ok": true} or {"error": refusal}, …]}`, one per record
    /// in the request's order.
    Commit {
        /// The records and their writes.
        records: Vec<RecordWrites>,
    },
    /// A caching table's atomic commit: every record's writes in one transaction, all applied or
    /// none (at most 100 records). Answer: `{"committed": true}`. A refusal that concerns one
    /// record gives its position in `record`.
    AtomicCommit {
        /// The records and their writes.
        records: Vec<AtomicRecord>,
    },
    /// Writes to up to 100 records, of this and other tables the server serves, all applied or
    /// none (one TransactWriteItems). Every action is checked and allowed as the single-record
    /// operation of its kind; a refusal before sending gives the action's position in `record`.
    /// Answer: `{"committed": true}`; a cancelled transaction is the refusal
    /// `transaction_canceled`, with one reason code per action in `reasons`.
    TransactWrite {
        /// The actions, in order.
        actions: Vec<TransactWriteAction>,
        /// Makes a retried transaction apply once (up to 36 characters; per caller).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// Reads up to 100 whole records, of this and other tables the server serves, as one
    /// consistent snapshot (one TransactGetItems); each read allowed as a `get_record`. Answer:
    /// `{"records": [item or null, …]}`, in the reads' order.
    TransactGet {
        /// The records to read.
        reads: Vec<TransactGetRead>,
    },
}

/// One action of an [`Operation::TransactWrite`]: on which table, what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactWriteAction {
    /// The table, by the name it is served under.
    pub table: String,
    /// What to do to its record.
    pub action: TransactAction,
}

/// What one action of a transaction does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TransactAction {
    /// Writes a whole record (for a versioned model, checking and incrementing its version).
    Put {
        /// The record, key attributes included.
        record: WireItem,
        /// Only if this holds for the stored record.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
    },
    /// Sets values at paths of a record (whose parents must exist).
    Update {
        /// The record's key attributes.
        key: WireItem,
        /// The writes (sets only).
        writes: Vec<Write>,
        /// Only if this holds for the stored record.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
    },
    /// Deletes a record.
    Delete {
        /// The record's key attributes.
        key: WireItem,
        /// Only if this holds for the stored record.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        condition: Option<WireCondition>,
    },
    /// Requires a condition to hold for a record the transaction does not write.
    Check {
        /// The record's key attributes.
        key: WireItem,
        /// The condition.
        condition: WireCondition,
    },
}

/// One read of an [`Operation::TransactGet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactGetRead {
    /// The table, by the name it is served under.
    pub table: String,
    /// The record's key attributes.
    pub key: WireItem,
}

/// One record's writes in an [`Operation::AtomicCommit`]: one update, planned by the client's
/// cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtomicRecord {
    /// The record's key attributes.
    pub key: WireItem,
    /// The writes, applied as one update.
    pub writes: Vec<Write>,
    /// Paths the writes create whole (their parent exists, they do not): written on condition
    /// that they are still absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created: Vec<WirePath>,
    /// For a model with a version field: the version the commit expects stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<WireVersion>,
    /// Whether the client knows the record to exist (`true`) or not to (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// A condition on a record's values, as DynamoDB evaluates it (every path a path of the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WireCondition {
    /// `path op value`; `op` is one of `eq`, `ne`, `lt`, `le`, `gt`, `ge`.
    Compare {
        /// Where.
        path: WirePath,
        /// The comparison.
        op: String,
        /// With what.
        value: WireValue,
    },
    /// `low <= path <= high`.
    Between {
        /// Where.
        path: WirePath,
        /// The lowest value.
        low: WireValue,
        /// The highest value.
        high: WireValue,
    },
    /// The value at `path` is one of `values`.
    In {
        /// Where.
        path: WirePath,
        /// The values.
        values: Vec<WireValue>,
    },
    /// The string or binary at `path` starts with `value`.
    BeginsWith {
        /// Where.
        path: WirePath,
        /// The prefix.
        value: WireValue,
    },
    /// The string at `path` contains `value`, or the set or list there holds it.
    Contains {
        /// Where.
        path: WirePath,
        /// What.
        value: WireValue,
    },
    /// `size(path) op size`.
    Size {
        /// Where.
        path: WirePath,
        /// The comparison, as in `compare`.
        op: String,
        /// The size.
        size: u64,
    },
    /// Something is stored at the path.
    Exists {
        /// Where.
        path: WirePath,
    },
    /// Nothing is stored at the path.
    NotExists {
        /// Where.
        path: WirePath,
    },
    /// The value at `path` has DynamoDB type `type` (`S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`,
    /// `NS`, `BS`).
    HasType {
        /// Where.
        path: WirePath,
        /// The type.
        r#type: String,
    },
    /// Every one holds.
    And(Vec<WireCondition>),
    /// One holds.
    Or(Vec<WireCondition>),
    /// It does not hold.
    Not(Box<WireCondition>),
}

/// A segment of a parallel scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSegment {
    /// The number of segments.
    pub total: u32,
    /// This segment, from 0.
    pub index: u32,
}

/// One write of an [`Operation::BatchWrite`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BatchWrite {
    /// Writes a whole record, replacing any with its key.
    Put(WireItem),
    /// Deletes the record with these key attributes.
    Delete(WireItem),
}

/// A condition on the sort key of a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WireSortCondition {
    /// `sort = value`.
    Eq(WireValue),
    /// `sort < value`.
    Lt(WireValue),
    /// `sort <= value`.
    Le(WireValue),
    /// `sort > value`.
    Gt(WireValue),
    /// `sort >= value`.
    Ge(WireValue),
    /// `low <= sort <= high`.
    Between {
        /// The lowest value.
        low: WireValue,
        /// The highest value.
        high: WireValue,
    },
    /// The sort key starts with `value`.
    BeginsWith(WireValue),
}

/// One record's writes in an [`Operation::Commit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordWrites {
    /// The record's key attributes.
    pub key: WireItem,
    /// Groups of writes, each applied as one update, in order.
    pub groups: Vec<WriteGroup>,
}

/// Writes applied as one update of a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteGroup {
    /// The writes.
    pub writes: Vec<Write>,
    /// As [`Operation::Update`]'s `creates_record`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub creates_record: bool,
    /// For a model with a version field, the first group of a record: the version it expects
    /// stored (the commit stores the next one). Later groups leave the version as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<WireVersion>,
    /// What the client knows of the written paths (see [`KnownPath`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known: Vec<KnownPath>,
}

/// What a client's cache knows of a path it writes: how many of its leading steps are known to
/// exist (a set whose parents are known missing creates them in the same request), and whether
/// something is known to be stored there (a remove of what is known absent is left out). It
/// shapes the request only: a wrong claim costs a failed condition and a second request, never a
/// different result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownPath {
    /// The written path.
    pub path: WirePath,
    /// How many of its leading steps are known to exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<u32>,
    /// Whether something is known to be stored at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
}

/// The version a write of a versioned model expects stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WireVersion {
    /// Whatever it is (the write only increments it).
    Any,
    /// No version stored (no record yet).
    Absent,
    /// This version.
    Is(WireValue),
}

/// The most records one commit may write.
pub const MAX_COMMIT_RECORDS: usize = 1000;

/// The operations' names, as requests spell them.
pub const OPERATIONS: [&str; 14] = [
    "get_fields",
    "get_record",
    "update",
    "put_record",
    "delete_record",
    "remove_record",
    "query",
    "scan",
    "batch_get",
    "batch_write",
    "commit",
    "atomic_commit",
    "transact_write",
    "transact_get",
];

/// One write of an [`Operation::Update`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Write {
    /// Stores a value at a path (creating missing parent maps).
    Set {
        /// Where.
        path: WirePath,
        /// What.
        value: WireValue,
    },
    /// Removes what a path holds.
    Remove {
        /// Where.
        path: WirePath,
    },
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The wire format's version: [`VERSION`].
    pub version: u32,
    /// Whether the operation was carried out.
    pub success: bool,
    /// What the operation answers (on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Json>,
    /// Why the operation was not carried out (on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Refusal>,
}

/// Why a request was not carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// What kind of refusal.
    pub kind: RefusalKind,
    /// For people: what was wrong.
    pub message: String,
    /// The path or field it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For a version conflict: the version the write expected (none: no record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Box<str>>,
    /// For a version conflict: the version found (none: no record, or no version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Box<str>>,
    /// For a failed condition: the record as stored, when the caller may read it whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<WireItem>>,
    /// For an operation on many records (a transaction, an atomic commit): the position, from 0,
    /// of the action or record the refusal concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u16>,
    /// For a cancelled transaction: DynamoDB's reason per action, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Box<[CancelReason]>>,
}

/// Why DynamoDB cancelled one action of a transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelReason {
    /// DynamoDB's code (`ConditionalCheckFailed`, `TransactionConflict`, …); `None` for an action
    /// that did not fail.
    pub code: String,
    /// For a failed condition: the record as stored, when the caller may read it whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<WireItem>,
}

/// The kinds of refusal, each with the HTTP status a server answers it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// The body is not a request of this format (not JSON, a wrong field, a wrong type). 400.
    BadRequest,
    /// A version this server does not speak. 400.
    UnsupportedVersion,
    /// An operation this server does not know. 400.
    UnknownOperation,
    /// A table this server does not serve. 404.
    UnknownTable,
    /// A key without the table's key attributes, or with values of the wrong type. 400.
    InvalidKey,
    /// A path the table's model does not have. 400.
    UnknownPath,
    /// A value the model refuses at its path. 400.
    Validation,
    /// A write to a read-only field. 403.
    ReadOnly,
    /// The request does not say who sent it (answered by a router whose `identify` found no
    /// caller). 401.
    Unauthenticated,
    /// The policy does not allow this caller this operation. 403.
    Denied,
    /// A request with a name already used by this caller. 409.
    Replayed,
    /// The record does not exist, and the operation needs it (a table whose updates do not create
    /// records). 404.
    RecordNotFound,
    /// The operation's condition does not hold for the stored record; nothing was written. 412.
    ConditionFailed,
    /// The stored version is not the one the write expected (see the refusal's `expected` and
    /// `found`); nothing was written. 409.
    VersionConflict,
    /// A transaction was cancelled (see the refusal's `reasons`); nothing was written. 409.
    TransactionCanceled,
    /// The body, or what it would store, is too large. 413.
    TooLarge,
    /// The server could not carry the operation out (DynamoDB failed, or is unreachable). 502.
    Unavailable,
}

impl Refusal {
    /// A refusal of `kind`, saying `message`.
    pub fn new(kind: RefusalKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            path: None,
            expected: None,
            found: None,
            current: None,
            record: None,
            reasons: None,
        }
    }

    /// The refusal, concerning `path`.
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The refusal, concerning the action or record at `position` of a request on many.
    pub fn of_record(mut self, position: usize) -> Self {
        self.record = u16::try_from(position).ok();
        self
    }
}

impl RefusalKind {
    /// The HTTP status a server answers this refusal with.
    pub fn status(self) -> u16 {
        match self {
            RefusalKind::BadRequest
            | RefusalKind::UnsupportedVersion
            | RefusalKind::UnknownOperation
            | RefusalKind::InvalidKey
            | RefusalKind::UnknownPath
            | RefusalKind::Validation => 400,
            RefusalKind::Unauthenticated => 401,
            RefusalKind::ReadOnly | RefusalKind::Denied => 403,
            RefusalKind::UnknownTable | RefusalKind::RecordNotFound => 404,
            RefusalKind::Replayed
            | RefusalKind::VersionConflict
            | RefusalKind::TransactionCanceled => 409,
            RefusalKind::ConditionFailed => 412,
            RefusalKind::TooLarge => 413,
            RefusalKind::Unavailable => 502,
        }
    }
}

impl Answer {
    /// A successful answer carrying `data`.
    pub fn success(data: Json) -> Self {
        Self {
            version: VERSION,
            success: true,
            data: Some(data),
            error: None,
        }
    }

    /// A refusal.
    pub fn refusal(refusal: Refusal) -> Self {
        Self {
            version: VERSION,
            success: false,
            data: None,
            error: Some(refusal),
        }
    }
}

// ---- Values -----------------------------------------------------------------------------------

/// A DynamoDB value in DynamoDB's JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct WireValue(pub AttributeValue);

/// A map of names to DynamoDB values (an item, a key), in DynamoDB's JSON form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireItem(pub Item);

/// A path: a list of steps, names (fields, map keys) as strings and list positions as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct WirePath(pub DocumentPath);

impl Serialize for WireValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        value_to_json(&self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Json::deserialize(deserializer)?;
        value_from_json(&json, 1)
            .map(WireValue)
            .map_err(D::Error::custom)
    }
}

impl Serialize for WireItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        item_to_json(&self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WireItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Json::deserialize(deserializer)?;
        match &json {
            Json::Object(entries) => entries_from_json(entries, 1)
                .map(WireItem)
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom("an item must be a JSON object")),
        }
    }
}

impl Serialize for WirePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        path_to_json(&self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WirePath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Json::deserialize(deserializer)?;
        path_from_json(&json)
            .map(WirePath)
            .map_err(D::Error::custom)
    }
}

/// A path as JSON: names as strings, positions as numbers.
pub fn path_to_json(path: &DocumentPath) -> Json {
    Json::Array(
        path.segments()
            .iter()
            .map(|segment| match segment {
                Segment::Index(index) => json!(index),
                named => json!(named.name().unwrap_or_default()),
            })
            .collect(),
    )
}

fn path_from_json(json: &Json) -> Result<DocumentPath, String> {
    let Json::Array(steps) = json else {
        return Err("a path must be a list of names and positions".into());
    };
    if steps.is_empty() {
        return Err("a path must have at least one step".into());
    }
    if steps.len() > MAX_DEPTH {
        return Err(format!("a path may have at most {MAX_DEPTH} steps"));
    }
    steps
        .iter()
        .map(|step| match step {
            Json::String(name) if !name.is_empty() => Ok(Segment::Key(name.as_str().into())),
            Json::String(_) => Err("a path step may not be an empty name".to_owned()),
            Json::Number(number) => number
                .as_u64()
                .and_then(|index| usize::try_from(index).ok())
                .map(Segment::Index)
                .ok_or_else(|| format!("{number} is not a list position")),
            _ => Err("a path step must be a name or a list position".to_owned()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(DocumentPath::from_segments)
}

/// A value as DynamoDB's JSON form.
pub fn value_to_json(value: &AttributeValue) -> Json {
    let encode = |blob: &Blob| Json::String(base64::engine::general_purpose::STANDARD.encode(blob));
    match value {
        AttributeValue::S(text) => json!({ "S": text }),
        AttributeValue::N(number) => json!({ "N": number }),
        AttributeValue::B(blob) => json!({ "B": encode(blob) }),
        AttributeValue::Bool(flag) => json!({ "BOOL": flag }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::Ss(texts) => json!({ "SS": texts }),
        AttributeValue::Ns(numbers) => json!({ "NS": numbers }),
        AttributeValue::Bs(blobs) => {
            json!({ "BS": blobs.iter().map(encode).collect::<Vec<_>>() })
        }
        AttributeValue::L(items) => {
            json!({ "L": items.iter().map(value_to_json).collect::<Vec<_>>() })
        }
        AttributeValue::M(entries) => json!({ "M": item_to_json(entries) }),
        // A type a future SDK adds: nothing this format can carry.
        _ => json!({ "NULL": true }),
    }
}

/// An item as a JSON object of DynamoDB JSON values.
pub fn item_to_json(item: &Item) -> Json {
    Json::Object(
        item.iter()
            .map(|(name, value)| (name.clone(), value_to_json(value)))
            .collect(),
    )
}

fn entries_from_json(entries: &Map<String, Json>, depth: usize) -> Result<Item, String> {
    entries
        .iter()
        .map(|(name, value)| Ok((name.clone(), value_from_json(value, depth)?)))
        .collect::<Result<HashMap<_, _>, String>>()
}

/// A value from DynamoDB's JSON form, at most [`MAX_DEPTH`] levels deep.
fn value_from_json(json: &Json, depth: usize) -> Result<AttributeValue, String> {
    if depth > MAX_DEPTH {
        return Err(format!("a value may be at most {MAX_DEPTH} levels deep"));
    }
    let Json::Object(tagged) = json else {
        return Err(
            "a value must be an object with one type tag, such as {\"S\": \"text\"}".into(),
        );
    };
    let mut entries = tagged.iter();
    let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
        return Err("a value must have exactly one type tag".into());
    };
    let text = |inner: &Json| match inner {
        Json::String(text) => Ok(text.clone()),
        _ => Err(format!("a {tag} value must be a string")),
    };
    let list = |inner: &Json| match inner {
        Json::Array(items) => Ok(items.clone()),
        _ => Err(format!("a {tag} value must be a list")),
    };
    let number = |inner: &Json| {
        let text = text(inner)?;
        crate::model::number::check_number_text(&text)
            .map(|()| text)
            .map_err(|message| format!("N: {message}"))
    };
    let binary = |inner: &Json| {
        base64::engine::general_purpose::STANDARD
            .decode(text(inner)?)
            .map(Blob::new)
            .map_err(|_| format!("a {tag} value must be base64"))
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(number(inner)?),
        "B" => AttributeValue::B(binary(inner)?),
        "BOOL" => match inner {
            Json::Bool(flag) => AttributeValue::Bool(*flag),
            _ => return Err("a BOOL value must be true or false".into()),
        },
        "NULL" => match inner {
            Json::Bool(true) => AttributeValue::Null(true),
            _ => return Err("a NULL value must be true".into()),
        },
        "SS" => AttributeValue::Ss(list(inner)?.iter().map(text).collect::<Result<_, _>>()?),
        "NS" => AttributeValue::Ns(list(inner)?.iter().map(number).collect::<Result<_, _>>()?),
        "BS" => AttributeValue::Bs(list(inner)?.iter().map(binary).collect::<Result<_, _>>()?),
        "L" => AttributeValue::L(
            list(inner)?
                .iter()
                .map(|item| value_from_json(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        "M" => match inner {
            Json::Object(entries) => AttributeValue::M(entries_from_json(entries, depth + 1)?),
            _ => return Err("an M value must be an object".into()),
        },
        other => return Err(format!("unknown type tag {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: AttributeValue) {
        let json = serde_json::to_string(&WireValue(value.clone())).expect("serializes");
        let back: WireValue = serde_json::from_str(&json).expect("parses");
        assert_eq!(back.0, value, "{json}");
    }

    #[test]
    fn values_keep_their_types_exactly() {
        round_trip(AttributeValue::N(
            "12345678901234567890123456789012345678".into(),
        ));
        round_trip(AttributeValue::N("-0.000001".into()));
        round_trip(AttributeValue::B(Blob::new(vec![0, 255, 7])));
        round_trip(AttributeValue::Ss(vec!["a".into(), "b".into()]));
        round_trip(AttributeValue::Ns(vec!["1".into(), "2.5".into()]));
        round_trip(AttributeValue::Bs(vec![
            Blob::new(vec![1]),
            Blob::new(vec![]),
        ]));
        round_trip(AttributeValue::Null(true));
        round_trip(AttributeValue::Bool(false));
        round_trip(AttributeValue::L(vec![
            AttributeValue::S("x".into()),
            AttributeValue::M(Item::from([("k".into(), AttributeValue::N("1".into()))])),
        ]));
    }

    #[test]
    fn malformed_values_are_refused() {
        for text in [
            r#"{"S": 1}"#,
            r#"{"N": "12abc"}"#,
            r#"{"N": 12}"#,
            r#"{"B": "not base64!"}"#,
            r#"{"S": "a", "N": "1"}"#,
            r#"{}"#,
            r#"{"X": "a"}"#,
            r#"{"NULL": false}"#,
            r#""text""#,
        ] {
            assert!(serde_json::from_str::<WireValue>(text).is_err(), "{text}");
        }
        let deep = (0..40).fold(r#"{"S": "x"}"#.to_owned(), |inner, _| {
            format!(r#"{{"L": [{inner}]}}"#)
        });
        assert!(serde_json::from_str::<WireValue>(&deep).is_err());
    }

    #[test]
    fn paths_are_names_and_positions() {
        let path: WirePath = serde_json::from_str(r#"["items", 2, "title"]"#).expect("parses");
        assert_eq!(path.0.to_string(), "items[2].title");
        assert_eq!(
            serde_json::to_string(&path).expect("serializes"),
            r#"["items",2,"title"]"#
        );
        for text in [
            r#"[]"#,
            r#"[""]"#,
            r#"[-1]"#,
            r#"[1.5]"#,
            r#"[null]"#,
            r#""a.b""#,
        ] {
            assert!(serde_json::from_str::<WirePath>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn requests_name_one_known_operation_and_nothing_else() {
        let request: Request = serde_json::from_str(
            r#"{"version": 1, "table": "t", "operation": {"get_record": {"key": {"id": {"S": "a"}}}}}"#,
        )
        .expect("parses");
        assert!(matches!(request.operation, Operation::GetRecord { .. }));
        for text in [
            r#"{"version": 1, "table": "t", "operation": {"get_record": {"key": {}}}, "extra": 1}"#,
            r#"{"version": 1, "table": "t", "operation": {"get_record": {"key": {}, "expression": "x"}}}"#,
            r#"{"version": 1, "table": "t", "operation": {"scan_everything": {}}}"#,
        ] {
            assert!(serde_json::from_str::<Request>(text).is_err(), "{text}");
        }
    }
}
