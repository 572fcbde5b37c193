//! The operations of a served table on many records: commits, queries, scans and batches. Each
//! record or page is checked and allowed as a single-record operation is.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use serde_json::{json, Value as Json};

use super::executor::{refusal, refusal_of};
use super::policy::{self, Access, Caller};
use super::served::{limited, write_as_committed, Planning, ServedTable};
use super::wire::{self, item_to_json, Refusal, RefusalKind, MAX_COMMIT_RECORDS};
use crate::model::validation::check_write;
use crate::model::{Item, TableDataModel};
use crate::path::DocumentPath;
use crate::table::backend::Backend;
use crate::table::batch::{
    fetch, projection_with_keys, BatchRetry, Fetched, WriteEntry, MAX_GET_KEYS, MAX_WRITES,
};
use crate::table::RecordKey;

/// One request per batch: what DynamoDB leaves unprocessed is answered, and the client retries it
/// by its own `BatchRetry` (one HTTP request per attempt), as a direct table retries.
fn one_attempt() -> BatchRetry {
    BatchRetry::default().max_attempts(1)
}

/// How many records of a commit are written at the same time.
const COMMIT_CONCURRENCY: usize = 16;

impl<M: TableDataModel, K: RecordKey> ServedTable<M, K> {
    /// A commit: each record checked, allowed and written on its own; one result per record.
    pub(super) async fn commit(
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
                let (actions, paths) = self.checked_writes(&key, limited(group.writes)?)?;
                let known = limited(group.known)?;
                Ok((
                    (actions, paths),
                    group.creates_record,
                    self.version(group.version)?,
                    known,
                ))
            })
            .collect::<Result<Vec<_>, Refusal>>()?;
        let writes: Vec<DocumentPath> = groups
            .iter()
            .flat_map(|((_, paths), ..)| paths)
            .cloned()
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
        self.authorized(&access)?;
        // As a caching table's own commit sends them, without what its cache knows.
        for ((actions, _), creates_record, version, known) in groups {
            if !actions.is_empty() {
                let planning = Planning {
                    creates_record,
                    version,
                    known: &known,
                };
                write_as_committed(self.table.core(), &key_item, actions, planning, None)
                    .await
                    .map_err(refusal_of)?;
            }
        }
        Ok(())
    }

    /// One page of a query: its paths, filter, index, partition and start checked, then allowed.
    pub(super) async fn query(
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
                let computed = core
                    .entity
                    .as_ref()
                    .is_some_and(|entity| entity.computes(&hash_name));
                let schema = if computed {
                    // An entity's index keys are rendered strings.
                    crate::model::TypeSchema::String
                } else {
                    let at = DocumentPath::from_segments(vec![crate::path::Segment::Key(
                        hash_name.as_str().into(),
                    )]);
                    self.described(&at)?.schema
                };
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
        self.authorized(&access)?;
        let query = crate::table::Query {
            index: request.index,
            hash: request.hash,
            sort: request.sort.map(sort_condition),
            filter,
            limit: request.limit,
            start: request.start,
            ascending: !request.descending,
            consistent: request.consistent,
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
    pub(super) async fn scan(
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
        self.authorized(&access)?;
        let projected = paths.map(|paths| projection_with_keys(core, &paths));
        let (items, metadata) = crate::table::scan::scan_page(core, &scan, projected.as_deref())
            .await
            .map_err(refusal_of)?;
        Ok(page_json(core, items, metadata))
    }

    /// A batch get: every key checked and allowed (one denial denies all), then read as the
    /// table's own batch get reads them.
    pub(super) async fn batch_get(
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
            self.authorized(&access)?;
            key_items.push(key_item);
        }
        let projected = paths.map(|paths| projection_with_keys(core, &paths));
        let fetched = fetch(core, one_attempt(), &key_items, projected.as_deref())
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
    pub(super) async fn batch_write(
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
            self.authorized(&access)?;
            let item = item
                .map(|mut item| core.complete_item(&mut item).map(|()| item))
                .transpose()
                .map_err(refusal_of)?;
            entries.push(WriteEntry {
                key: position,
                key_item,
                item,
            });
        }
        let report = self
            .table
            .batch_write(entries, one_attempt())
            .await
            .map_err(refusal_of)?;
        Ok(json!({ "unprocessed": report.unprocessed }))
    }
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
pub(super) struct QueryRequest {
    pub(super) index: Option<String>,
    pub(super) hash: AttributeValue,
    pub(super) sort: Option<wire::WireSortCondition>,
    pub(super) filter: Option<wire::WireCondition>,
    pub(super) limit: Option<i32>,
    pub(super) start: Option<Item>,
    pub(super) descending: bool,
    pub(super) consistent: Option<bool>,
    pub(super) paths: Vec<DocumentPath>,
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
