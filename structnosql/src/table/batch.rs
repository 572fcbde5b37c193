//! Batches: many records read with BatchGetItem (up to 100 keys a request) and written or deleted
//! with BatchWriteItem (up to 25 records a request).
//!
//! DynamoDB may leave part of a batch unprocessed (throttling, or a response over 16 MB). That part
//! is sent again with jittered exponential backoff, as [`BatchRetry`] says; whatever is still
//! unprocessed after the last attempt is returned in the report ([`BatchGetReport::unprocessed`],
//! [`BatchWriteReport::unprocessed`]), never dropped.
//!
//! On a `CachingTable`, batches are record-level operations sent at once, like `get_record`,
//! `put_record` and `delete_record`:
//!
//! - a batch get always sends its requests (the cache is not consulted) and fills the cache with what
//!   it read, records found absent included; the values returned include the caller's pending writes,
//!   as every read of a caching table does;
//! - a batch put or delete supersedes the pending writes of the records it wrote or deleted, as
//!   `put_record` does (the final state is the one the caller's order gives: the record as put, or no
//!   record), and the cache then knows each of them whole, or absent. The pending writes of records
//!   left unprocessed stay pending; after a failed request the cache forgets what it knew of the
//!   records of that request (their pending writes stay), since DynamoDB may have applied it.

use crate::model::transform::read_fields;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};

use super::api::Table;
use super::backend::{Backend, Learned};
use super::core::TableCore;
use super::key::RecordKey;
use super::read::{projected_paths, projection, values_at};
use super::selectors::{Getters, NamedValues};
use super::trace::traced;
use super::values::{check_field_path, decode_at};
use crate::document;
use crate::error::{Error, Result};
use crate::expr::Placeholders;
use crate::model::{Item, TableDataModel};
use crate::path::{DocumentPath, ReadablePath, Segment, Selection};
use crate::size::{item_bytes, MAX_ITEM_BYTES};

/// The most keys one BatchGetItem reads.
pub(crate) const MAX_GET_KEYS: usize = 100;
/// The most puts and deletes one BatchWriteItem carries.
pub(crate) const MAX_WRITES: usize = 25;

/// How often, and how patiently, the unprocessed part of a batch is sent again.
///
/// Every request of a batch may be sent up to `max_attempts` times in all (the first time included).
/// Before the `n`-th retry the batch waits a random time between half and all of
/// `min(max_delay, base_delay × 2ⁿ⁻¹)`. The default is 8 attempts, 50 ms, 2 s: about 6 s of waiting
/// at most.
///
/// ```
/// # use std::time::Duration;
/// # use structnosql::table::BatchRetry;
/// let patient = BatchRetry::default().max_attempts(12).max_delay(Duration::from_secs(5));
/// let once = BatchRetry::no_retry();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRetry {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for BatchRetry {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl BatchRetry {
    /// Sends each request once: what DynamoDB leaves unprocessed is reported at once.
    pub fn no_retry() -> Self {
        Self::default().max_attempts(1)
    }

    /// How many times a request may be sent in all, the first time included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry, doubled before each of the next ones.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait before a retry.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How many times a request may be sent in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (from 1): half the ceiling plus a random part of the other
    /// half, so that the waits grow and concurrent callers spread out.
    fn delay(&self, retry: u32) -> Duration {
        let growth = 2_u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(growth).min(self.max_delay);
        let half = ceiling / 2;
        half + half.mul_f64(random_fraction())
    }
}

/// A number in `[0, 1)`, different at each call (std's hasher keys are random per thread and change at
/// every `RandomState::new()`); good enough to spread retries.
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x5eed);
    (hasher.finish() >> 11) as f64 / (1_u64 << 53) as f64
}

/// What a batch get found, by key.
///
/// `records` holds the records found, each with its key, in the order the keys were given (a key
/// given twice is read and listed once); `missing` the keys with no record; `unprocessed` the keys
/// DynamoDB still left unprocessed after the last attempt: they were not read, ask for them again.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "keys left unprocessed are in the report"]
pub struct BatchGetReport<K, V> {
    /// The records found, with their keys, in the order the keys were given.
    pub records: Vec<(K, V)>,
    /// The keys of records that do not exist.
    pub missing: Vec<K>,
    /// The keys that were not read: DynamoDB left them unprocessed after every attempt.
    pub unprocessed: Vec<K>,
}

impl<K, V> BatchGetReport<K, V> {
    /// Whether every key was read (found or missing).
    pub fn is_complete(&self) -> bool {
        self.unprocessed.is_empty()
    }

    /// The record found for `key`, if any.
    pub fn get(&self, key: &K) -> Option<&V>
    where
        K: PartialEq,
    {
        self.records
            .iter()
            .find(|(found, _)| found == key)
            .map(|(_, value)| value)
    }

    /// The records found, by key.
    pub fn into_map(self) -> HashMap<K, V>
    where
        K: std::hash::Hash + Eq,
    {
        self.records.into_iter().collect()
    }
}

/// What a batch put or delete did, by key.
///
/// `processed` holds the keys of the records written (or deleted), in the order given (a record or
/// key given twice is sent once; for puts the last one given wins); `unprocessed` the keys DynamoDB
/// still left unprocessed after the last attempt: nothing was done to those records, send them again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "records left unprocessed are in the report"]
pub struct BatchWriteReport<K> {
    /// The records written or deleted.
    pub processed: Vec<K>,
    /// The records not written or deleted: DynamoDB left them unprocessed after every attempt.
    pub unprocessed: Vec<K>,
}

impl<K> BatchWriteReport<K> {
    /// Whether every record was written or deleted.
    pub fn is_complete(&self) -> bool {
        self.unprocessed.is_empty()
    }
}

/// A key's identity: its key values with their types.
pub(crate) fn fingerprint(core: &TableCore, item: &Item) -> String {
    let mut key = String::new();
    for name in std::iter::once(&core.primary_index.hash_key).chain(&core.primary_index.sort_key) {
        let _ = match item.get(name) {
            Some(AttributeValue::S(text)) => write!(key, "S{}:{text}", text.len()),
            Some(AttributeValue::N(number)) => write!(key, "N{}:{number}", number.len()),
            Some(AttributeValue::B(bytes)) => {
                write!(key, "B{}:{:?}", bytes.as_ref().len(), bytes.as_ref())
            }
            Some(other) => write!(key, "?{other:?}"),
            None => write!(key, "-"),
        };
    }
    key
}

/// The key attributes of `item`.
pub(crate) fn key_attributes(core: &TableCore, item: &Item) -> Item {
    std::iter::once(&core.primary_index.hash_key)
        .chain(&core.primary_index.sort_key)
        .filter_map(|name| item.get(name).map(|value| (name.clone(), value.clone())))
        .collect()
}

/// The paths to project to read `paths` and key the results: `paths` and the primary key.
pub(crate) fn projection_with_keys(core: &TableCore, paths: &[DocumentPath]) -> Vec<DocumentPath> {
    let mut wanted: Vec<DocumentPath> = paths.to_vec();
    let entity_type = core.entity.as_ref().map(|entity| &entity.type_attribute);
    let keys = std::iter::once(&core.primary_index.hash_key).chain(&core.primary_index.sort_key);
    for name in keys.chain(entity_type) {
        wanted.push(DocumentPath::from_segments(vec![Segment::Key(
            name.as_str().into(),
        )]));
    }
    projected_paths(&wanted)
}

fn describe_batch(core: &TableCore, records: usize) -> String {
    format!("{}[batch of {records}]", core.table_name)
}

/// What a batch get found for one key.
pub(crate) enum Fetched {
    Found(Item),
    Missing,
    Unprocessed,
}

/// One request of a batch get: the records found and the keys left unprocessed.
async fn send_gets(
    core: &TableCore,
    keys: Vec<Item>,
    projected: Option<&[DocumentPath]>,
) -> Result<(Vec<Item>, Vec<Item>)> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        return crate::external::client::batch_get(api, core, keys, projected).await;
    }
    let (expression, names) = match projected {
        None => (None, None),
        Some(paths) => {
            let mut placeholders = Placeholders::new();
            let expression = projection(paths, &mut placeholders)?;
            let (names, _) = placeholders.into_maps();
            (Some(expression), names)
        }
    };
    let sent = keys.len();
    let request = KeysAndAttributes::builder()
        .set_keys(Some(keys))
        .consistent_read(true)
        .set_projection_expression(expression)
        .set_expression_attribute_names(names)
        .build()
        .map_err(|error| Error::request_build("BatchWriteItem", error))?;
    let output = traced(
        core,
        "BatchGetItem",
        None,
        core.client()?
            .batch_get_item()
            .request_items(&core.table_name, request)
            .set_return_consumed_capacity(core.consumed_capacity()),
    )
    .await
    .map_err(|error| {
        Error::from_sdk("BatchGetItem", error).for_record(|| describe_batch(core, sent))
    })?;
    let found = output
        .responses
        .and_then(|mut responses| responses.remove(&core.table_name))
        .unwrap_or_default();
    let unprocessed = output
        .unprocessed_keys
        .and_then(|mut unprocessed| unprocessed.remove(&core.table_name))
        .map(|keys| keys.keys)
        .unwrap_or_default();
    Ok((found, unprocessed))
}

/// Reads the records `keys` (distinct) in BatchGetItem requests of 100, projecting `projected` (the
/// whole records when `None`), retrying unprocessed keys. One answer per key, in order.
pub(crate) async fn fetch(
    core: &TableCore,
    retry: BatchRetry,
    keys: &[Item],
    projected: Option<&[DocumentPath]>,
) -> Result<Vec<Fetched>> {
    let positions: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(position, key)| (fingerprint(core, key), position))
        .collect();
    let mut fetched: Vec<Fetched> = keys.iter().map(|_| Fetched::Missing).collect();
    let mut settle = |item: &Item, answer: Fetched| {
        if let Some(slot) = positions
            .get(&fingerprint(core, item))
            .and_then(|&position| fetched.get_mut(position))
        {
            *slot = answer;
        }
    };
    for chunk in keys.chunks(MAX_GET_KEYS) {
        let mut pending = chunk.to_vec();
        let mut attempt = 1;
        loop {
            let (found, unprocessed) = send_gets(core, pending, projected).await?;
            for item in found {
                let key = key_attributes(core, &item);
                settle(&key, Fetched::Found(item));
            }
            if unprocessed.is_empty() {
                break;
            }
            if attempt >= retry.max_attempts {
                for key in &unprocessed {
                    settle(key, Fetched::Unprocessed);
                }
                break;
            }
            tokio::time::sleep(retry.delay(attempt)).await;
            attempt += 1;
            pending = unprocessed;
        }
    }
    Ok(fetched)
}

/// One record of a batch write: its key and, for a put, the item.
pub(crate) struct WriteEntry<K> {
    pub(crate) key: K,
    pub(crate) key_item: Item,
    pub(crate) item: Option<Item>,
}

impl<K> WriteEntry<K> {
    fn request(&self) -> Result<WriteRequest> {
        Ok(match &self.item {
            Some(item) => WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map_err(|error| Error::request_build("BatchWriteItem", error))?,
                )
                .build(),
            None => WriteRequest::builder()
                .delete_request(
                    DeleteRequest::builder()
                        .set_key(Some(self.key_item.clone()))
                        .build()
                        .map_err(|error| Error::request_build("BatchWriteItem", error))?,
                )
                .build(),
        })
    }
}

/// One request of a batch write: the keys (fingerprints) of the writes left unprocessed.
async fn send_writes<E>(core: &TableCore, entries: &[&WriteEntry<E>]) -> Result<HashSet<String>> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        let writes = entries
            .iter()
            .map(|entry| (entry.key_item.clone(), entry.item.clone()))
            .collect();
        return crate::external::client::batch_write(api, core, writes).await;
    }
    let requests = entries
        .iter()
        .map(|entry| entry.request())
        .collect::<Result<Vec<_>>>()?;
    let output = traced(
        core,
        "BatchWriteItem",
        None,
        core.client()?
            .batch_write_item()
            .request_items(&core.table_name, requests)
            .set_return_consumed_capacity(core.consumed_capacity()),
    )
    .await
    .map_err(|error| {
        Error::from_sdk("BatchWriteItem", error).for_record(|| describe_batch(core, entries.len()))
    })?;
    Ok(output
        .unprocessed_items
        .and_then(|mut unprocessed| unprocessed.remove(&core.table_name))
        .unwrap_or_default()
        .iter()
        .map(|request| written_key(core, request))
        .collect())
}

/// The key of the record a returned write request is about.
fn written_key(core: &TableCore, request: &WriteRequest) -> String {
    match (&request.put_request, &request.delete_request) {
        (Some(put), _) => fingerprint(core, &put.item),
        (None, Some(delete)) => fingerprint(core, &delete.key),
        (None, None) => String::new(),
    }
}

/// Adds `entry` to `entries` unless its key is there already; a later put replaces an earlier one.
fn add_entry<K>(
    core: &TableCore,
    entries: &mut Vec<WriteEntry<K>>,
    positions: &mut HashMap<String, usize>,
    entry: WriteEntry<K>,
) {
    match positions.entry(fingerprint(core, &entry.key_item)) {
        Entry::Occupied(position) => {
            if let Some(slot) = entries.get_mut(*position.get()) {
                *slot = entry;
            }
        }
        Entry::Vacant(vacant) => {
            vacant.insert(entries.len());
            entries.push(entry);
        }
    }
}

/// Names the record of a batch that a validation error is about.
fn in_batch(error: Error, position: usize) -> Error {
    match error {
        Error::Validation { violations } => Error::Validation {
            violations: violations
                .into_iter()
                .map(|mut violation| {
                    violation.message =
                        format!("record {position} of the batch: {}", violation.message);
                    violation
                })
                .collect(),
        },
        other => other,
    }
}

impl<M: TableDataModel, K: RecordKey, B: Backend> Table<M, K, B> {
    // ---- Batch reads -----------------------------------------------------------------------

    /// Reads whole records by key: one consistent BatchGetItem per 100 distinct keys; keys left
    /// unprocessed are retried as `retry` says and, if still unprocessed, returned in
    /// [`BatchGetReport::unprocessed`]. A failed request ends the call with its error.
    ///
    /// ```no_run
    /// # use structnosql::table::{BasicTable, BatchRetry};
    /// # use structnosql::TableDataModel;
    /// # #[derive(TableDataModel)] struct User { user_id: String, username: Option<String> }
    /// # async fn run(users: BasicTable<User>) -> structnosql::Result<()> {
    /// let report = users.batch_get_records(["x42", "x43", "nobody"], BatchRetry::default()).await?;
    /// for (key, user) in &report.records {
    ///     println!("{key}: {:?}", user.username);
    /// }
    /// assert!(report.is_complete());
    /// # Ok(()) }
    /// ```
    pub async fn batch_get_records(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        retry: BatchRetry,
    ) -> Result<BatchGetReport<K, M>> {
        self.batch_get(keys, None, retry, M::from_item).await
    }

    /// Reads one field of many records (`None` where the record has no value there); records that
    /// do not exist are in [`BatchGetReport::missing`]. One consistent BatchGetItem per 100 keys,
    /// projecting the field.
    pub async fn batch_get_field<P: ReadablePath>(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        path: P,
        retry: BatchRetry,
    ) -> Result<BatchGetReport<K, Option<P::Value>>> {
        let path = path.read_path().clone();
        let paths = std::slice::from_ref(&path);
        self.batch_get(keys, Some(paths), retry, |item| {
            decode_at(&path, document::get(&item, &path).cloned())
        })
        .await
    }

    /// Reads several fields (a tuple of typed paths) of many records.
    pub async fn batch_get_fields<S: Selection>(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        selection: S,
        retry: BatchRetry,
    ) -> Result<BatchGetReport<K, S::Values>> {
        let paths: Vec<DocumentPath> = selection.document_paths().into_iter().cloned().collect();
        self.batch_get(keys, Some(&paths), retry, |item| {
            selection
                .decode(values_at(Some(&item), &paths))
                .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
        })
        .await
    }

    /// Reads named fields (typed or string paths, multi-selections included) of many records.
    pub async fn batch_get_multiple_fields(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        getters: &Getters,
        retry: BatchRetry,
    ) -> Result<BatchGetReport<K, NamedValues>> {
        let named = getters.resolve(self.backend.core().model)?;
        let paths: Vec<DocumentPath> = named.iter().map(|(_, path)| path.clone()).collect();
        self.batch_get(keys, Some(&paths), retry, |item| {
            Ok(NamedValues::new(
                named
                    .iter()
                    .map(|(name, path)| {
                        (
                            name.clone(),
                            path.clone(),
                            document::get(&item, path).cloned(),
                        )
                    })
                    .collect(),
            ))
        })
        .await
    }

    /// Reads `paths` (whole records when `None`) of the distinct `keys`, lets the backend learn the
    /// answers, and decodes what the caller sees.
    async fn batch_get<V>(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        paths: Option<&[DocumentPath]>,
        retry: BatchRetry,
        decode: impl Fn(Item) -> Result<V>,
    ) -> Result<BatchGetReport<K, V>> {
        let core = self.backend.core();
        for path in paths.into_iter().flatten() {
            check_field_path(path)?;
        }
        let mut seen = HashSet::new();
        let mut keyed: Vec<(K, Item)> = Vec::new();
        for key in keys {
            let key = key.into();
            let key_item = core.key_item(&key)?;
            if seen.insert(fingerprint(core, &key_item)) {
                keyed.push((key, key_item));
            }
        }
        let key_items: Vec<Item> = keyed.iter().map(|(_, item)| item.clone()).collect();
        let projected = paths.map(|paths| projection_with_keys(core, paths));
        let fetched = fetch(core, retry, &key_items, projected.as_deref()).await?;
        let mut report = BatchGetReport {
            records: Vec::new(),
            missing: Vec::new(),
            unprocessed: Vec::new(),
        };
        let mut answered = Vec::with_capacity(keyed.len());
        let mut learned = Vec::with_capacity(keyed.len());
        for ((key, key_item), fetched) in keyed.into_iter().zip(fetched) {
            match fetched {
                Fetched::Found(item) => {
                    answered.push(key);
                    learned.push((key_item, Some(item)));
                }
                Fetched::Missing => {
                    answered.push(key);
                    learned.push((key_item, None));
                }
                Fetched::Unprocessed => report.unprocessed.push(key),
            }
        }
        let how = match &projected {
            Some(projected) => Learned::Paths(projected),
            None => Learned::Records,
        };
        let seen = self.backend.learn_records(learned, how);
        for (key, item) in answered.into_iter().zip(seen) {
            match item {
                // An item of another entity at the key is not one of this table's records.
                Some(item) if !core.is_visible(&item) => report.missing.push(key),
                Some(item) => report.records.push((
                    key,
                    decode(read_fields(
                        core.model,
                        paths,
                        core.strip_leading_key(item),
                    )?)?,
                )),
                None => report.missing.push(key),
            }
        }
        Ok(report)
    }

    // ---- Batch writes ----------------------------------------------------------------------

    /// Writes whole records, each replacing any record with its key: one BatchWriteItem per 25
    /// distinct keys (a key given twice is written once, with the last record given). Every record
    /// is checked first (model, key values, 400 KB); if one is invalid, nothing is sent and the
    /// error names it by its position. Records left unprocessed are retried as `retry` says and, if
    /// still unprocessed, returned in [`BatchWriteReport::unprocessed`].
    ///
    /// BatchWriteItem takes no conditions. If a request fails, the call returns the error; the
    /// records of earlier requests may already be written, and since puts are idempotent, sending
    /// the same batch again is safe.
    ///
    /// ```no_run
    /// # use structnosql::table::{BasicTable, BatchRetry};
    /// # use structnosql::TableDataModel;
    /// # #[derive(TableDataModel)] struct User { user_id: String, username: Option<String> }
    /// # async fn run(users: BasicTable<User>, new_users: Vec<User>) -> structnosql::Result<()> {
    /// let report = users.batch_put_records(&new_users, BatchRetry::default()).await?;
    /// if !report.is_complete() {
    ///     eprintln!("not written, try again later: {:?}", report.unprocessed);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn batch_put_records(
        &self,
        records: &[M],
        retry: BatchRetry,
    ) -> Result<BatchWriteReport<K>> {
        let core = self.backend.core();
        let mut entries = Vec::with_capacity(records.len());
        let mut positions = HashMap::with_capacity(records.len());
        for (position, record) in records.iter().enumerate() {
            let mut item = record
                .to_item()
                .map_err(|error| in_batch(error, position))?;
            core.complete_item(&mut item)
                .map_err(|error| in_batch(error, position))?;
            let key = core.key_of::<K>(&item)?;
            let key_item = core
                .key_item(&key)
                .map_err(|error| in_batch(error, position))?;
            let bytes = item_bytes(&item);
            if bytes > MAX_ITEM_BYTES {
                return Err(Error::TooLarge {
                    what: format!(
                        "record {} (record {position} of the batch)",
                        core.describe_record(&key_item)
                    ),
                    bytes,
                    limit: "400 KB per item",
                });
            }
            let entry = WriteEntry {
                key,
                key_item,
                item: Some(item),
            };
            add_entry(core, &mut entries, &mut positions, entry);
        }
        self.batch_write(entries, retry).await
    }

    /// Deletes records by key: one BatchWriteItem per 25 distinct keys. Deleting a record that does
    /// not exist is not an error (BatchWriteItem does not tell). Keys left unprocessed are retried as
    /// `retry` says and, if still unprocessed, returned in [`BatchWriteReport::unprocessed`]. As for
    /// [`Table::batch_put_records`], a failed request ends the call with its error.
    pub async fn batch_delete_records(
        &self,
        keys: impl IntoIterator<Item = impl Into<K>>,
        retry: BatchRetry,
    ) -> Result<BatchWriteReport<K>> {
        let core = self.backend.core();
        let mut entries = Vec::new();
        let mut positions = HashMap::new();
        for key in keys {
            let key = key.into();
            let key_item = core.key_item(&key)?;
            let entry = WriteEntry {
                key,
                key_item,
                item: None,
            };
            add_entry(core, &mut entries, &mut positions, entry);
        }
        self.batch_write(entries, retry).await
    }

    /// Sends the writes in BatchWriteItem requests of 25, retrying unprocessed ones; the backend
    /// learns each request's outcome as it comes.
    pub(crate) async fn batch_write<E>(
        &self,
        entries: Vec<WriteEntry<E>>,
        retry: BatchRetry,
    ) -> Result<BatchWriteReport<E>> {
        let core = self.backend.core();
        let mut processed = vec![false; entries.len()];
        let learn = |positions: &[usize], how: Learned<'_>| {
            let records = positions
                .iter()
                .filter_map(|&position| entries.get(position))
                .map(|entry| (entry.key_item.clone(), entry.item.clone()))
                .collect();
            self.backend.learn_records(records, how);
        };
        let all: Vec<usize> = (0..entries.len()).collect();
        for chunk in all.chunks(MAX_WRITES) {
            let mut pending = chunk.to_vec();
            let mut attempt = 1;
            loop {
                let sent: Vec<&WriteEntry<E>> = pending
                    .iter()
                    .filter_map(|&position| entries.get(position))
                    .collect();
                let unprocessed = match send_writes(core, &sent).await {
                    Ok(unprocessed) => unprocessed,
                    Err(error) => {
                        learn(&pending, Learned::Uncertain);
                        return Err(error);
                    }
                };
                let (left, done): (Vec<usize>, Vec<usize>) =
                    pending.into_iter().partition(|&position| {
                        entries.get(position).is_some_and(|entry| {
                            unprocessed.contains(&fingerprint(core, &entry.key_item))
                        })
                    });
                learn(&done, Learned::Written);
                for &position in &done {
                    if let Some(flag) = processed.get_mut(position) {
                        *flag = true;
                    }
                }
                if left.is_empty() || attempt >= retry.max_attempts {
                    break;
                }
                tokio::time::sleep(retry.delay(attempt)).await;
                attempt += 1;
                pending = left;
            }
        }
        let mut report = BatchWriteReport {
            processed: Vec::new(),
            unprocessed: Vec::new(),
        };
        for (entry, processed) in entries.into_iter().zip(processed) {
            if processed {
                report.processed.push(entry.key);
            } else {
                report.unprocessed.push(entry.key);
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_up_to_the_cap_with_jitter() {
        let retry = BatchRetry::default();
        for (retry_number, ceiling) in [
            (1, 50),
            (2, 100),
            (3, 200),
            (6, 1600),
            (7, 2000),
            (30, 2000),
        ] {
            let delay = retry.delay(retry_number);
            let ceiling = Duration::from_millis(ceiling);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} for {ceiling:?}"
            );
        }
        let delays: HashSet<Duration> = (0..20).map(|_| retry.delay(5)).collect();
        assert!(delays.len() > 1, "the delays are jittered");
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(BatchRetry::default().max_attempts(0).attempts(), 1);
        assert_eq!(BatchRetry::no_retry().attempts(), 1);
        assert_eq!(BatchRetry::default().attempts(), 8);
    }
}
