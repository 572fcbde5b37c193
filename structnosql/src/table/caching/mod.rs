//! [`CachingTable`]: reads are served from memory when the cache can answer, and field writes are
//! queued per record and sent at commit, one UpdateItem per record.
//!
//! The cache keeps, per record, what DynamoDB is known to hold (`base`: values read or committed, and
//! paths known to be absent) and the pending writes in the caller's order; reads see `base` with the
//! pending writes applied (`view`). A record the cache does not know is read whole at its first use
//! (unless `whole_record_reads(false)`), after which its old values and list positions are known and
//! its writes are queued. An operation that must reach DynamoDB at once (a record-level or
//! conditional write) first commits that record's pending writes, so DynamoDB sees the caller's
//! order, or carries them in its own request where that means the same (a conditional write of other
//! paths, a delete of a known record). The cache may be bounded (`cache_capacity`, least recently used records without pending
//! writes are forgotten) and its knowledge given a maximum age (`cache_max_age`).

mod atomic;
mod commit;
pub(crate) mod knowledge;
mod operations;
mod packed;
mod pending;
mod record;
mod shards;
pub(crate) mod stats;
mod turns;

pub(crate) use atomic::{commit_atomically, request_token, RecordWrites};

pub use commit::CommitReport;
use commit::{commit_record, expected_version, presence, Batch, Kinds};
use record::{list_root, RecordCache};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use tracing::Instrument;

use self::knowledge::{Known, Lookup};
use self::shards::{Shard, Shards};
use self::stats::{CacheStats, Counters};
use self::turns::Turn;
use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::{defaults, Item, TableDataModel};
use crate::path::DocumentPath;
use crate::table::api::Table;
use crate::table::backend::Backend;
use crate::table::core::TableCore;
use crate::table::key::RecordKey;
use crate::table::read::{get_paths, projected_paths};
use crate::table::retry::rewrite;
use crate::table::write::{apply_with_knowledge, check_written_size, has_index};

/// A table that serves reads from memory and queues field writes until commit.
pub type CachingTable<M, K = String> = Table<M, K, Cached>;

/// Splits a commit's outcomes into the records committed and those that failed, and records the
/// counts in the commit's span.
fn report_outcomes(
    span: &tracing::Span,
    outcomes: Vec<(Item, Result<()>)>,
) -> (Vec<Item>, Vec<(Item, Error)>) {
    let mut committed = Vec::new();
    let mut failed = Vec::new();
    for (key_item, outcome) in outcomes {
        match outcome {
            Ok(()) => committed.push(key_item),
            Err(error) => failed.push((key_item, error)),
        }
    }
    span.record("records", committed.len() + failed.len());
    span.record("committed", committed.len());
    span.record("failed", failed.len());
    (committed, failed)
}

/// A key's cache entry name: its key values with their types.
fn cache_key(core: &TableCore, key_item: &Item) -> String {
    use std::fmt::Write as _;
    let mut key = String::with_capacity(32);
    for name in std::iter::once(&core.primary_index.hash_key).chain(&core.primary_index.sort_key) {
        // Writing to a `String` cannot fail.
        let _ = match key_item.get(name) {
            Some(AttributeValue::S(text)) => write!(key, "S{}:{text}", text.len()),
            Some(AttributeValue::N(number)) => write!(key, "N{}:{number}", number.len()),
            Some(AttributeValue::B(bytes)) => {
                write!(key, "B{}:{:?}", bytes.as_ref().len(), bytes.as_ref())
            }
            other => write!(key, "?{other:?}"),
        };
    }
    key
}

/// The caching backend.
#[derive(Debug)]
pub struct Cached {
    core: TableCore,
    /// The records, and the order in which each record's requests are sent.
    shards: Shards,
    counters: Counters,
}

impl crate::table::backend::sealed::Sealed for Cached {}

impl Cached {
    /// Runs `f` on the cache entry of `key_item`, made if there is none, and marks it used now.
    fn with_record<R>(&self, key_item: &Item, f: impl FnOnce(&mut RecordCache) -> R) -> R {
        self.shards
            .with_record(&cache_key(&self.core, key_item), key_item, f)
    }

    /// Queues the writes of one call to the record `key_item`.
    fn queue(
        &self,
        record: &mut RecordCache,
        key_item: &Item,
        actions: Vec<UpdateAction>,
    ) -> Result<()> {
        check_written_size(&self.core, key_item, &actions)?;
        record.queue_call(&self.shards.sequence, actions, || {
            self.core.describe_record(key_item)
        })
    }

    /// Takes a turn for every record with pending writes that `select` accepts, all in one step, so
    /// that the turns of any two commits are in the same order on every record.
    fn take_turns(&self, select: impl Fn(&str, &RecordCache) -> bool) -> Vec<(String, Turn)> {
        let mut taken = Vec::new();
        let mut shards = self.shards.lock_all();
        for shard in shards.iter_mut() {
            let Shard { records, turns } = &mut **shard;
            for (key, record) in records.iter() {
                if !record.pending.is_empty() && select(key, record) {
                    taken.push((key.clone(), turns.take(key)));
                }
            }
        }
        taken
    }

    /// Takes the record's pending writes of `kinds`, merged and grouped, for a commit; `None` when
    /// there are none. They stay pending until the commit succeeds.
    fn take_batch(&self, key: &str, kinds: Kinds) -> Option<(Item, Result<Batch>)> {
        let record_defaults = defaults::record_has_defaults(self.core.model);
        self.shards
            .with_held(key, |record| {
                let batch = record.take_batch(kinds, record_defaults, &self.shards.sequence)?;
                Some((record.key_item(), batch))
            })
            .flatten()
    }

    /// In the record's turn: sends its pending writes of `kinds` and records the outcome. `None`
    /// when there were none.
    async fn commit_in_turn(&self, key: &str, kinds: Kinds) -> Option<(Item, Result<()>)> {
        let (key_item, batch) = self.take_batch(key, kinds)?;
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => return Some((key_item, Err(error))),
        };
        let outcome = commit_record(&self.core, &batch).await;
        if outcome.is_ok() {
            self.shards
                .with_held(key, |record| record.committed(&batch));
        }
        Some((key_item, outcome))
    }

    /// Sends every pending write, as [`Table::commit_operations`] does, reporting each record by its
    /// key attributes.
    pub(crate) async fn commit_all(&self) -> (Vec<Item>, Vec<(Item, Error)>) {
        self.commit(Kinds::All, |_, _| true).await
    }

    /// Sends the pending writes of `kinds` of the records selected, each in its turn, and reports
    /// per record; inside a `structnosql.commit` span (records, committed, failed) that holds the
    /// requests' spans.
    async fn commit(
        &self,
        kinds: Kinds,
        select: impl Fn(&str, &RecordCache) -> bool,
    ) -> (Vec<Item>, Vec<(Item, Error)>) {
        let span = tracing::debug_span!(
            "structnosql.commit",
            table = %self.core.table_name,
            records = tracing::field::Empty,
            committed = tracing::field::Empty,
            failed = tracing::field::Empty,
        );
        let turns = self.take_turns(select);
        #[cfg(feature = "external-client")]
        if let Some(api) = self.core.external() {
            let outcomes = self
                .commit_through(api, kinds, turns)
                .instrument(span.clone())
                .await;
            return report_outcomes(&span, outcomes);
        }
        let outcomes: Vec<(Item, Result<()>)> = futures::stream::iter(turns)
            .map(|(key, turn)| async move {
                turn.wait().await;
                // The turn ends when the outcome is recorded, so the next commit plans on it.
                self.commit_in_turn(&key, kinds).await
            })
            .buffer_unordered(self.core.commit_concurrency.max(1))
            .filter_map(std::future::ready)
            .collect()
            .instrument(span.clone())
            .await;
        self.shards.prune_turns();
        report_outcomes(&span, outcomes)
    }

    /// A commit through an external API: every selected record's writes in one request (per
    /// [`MAX_COMMIT_RECORDS`](crate::external::wire::MAX_COMMIT_RECORDS) records), sent once every
    /// record's turn has come; each record's outcome recorded as a direct commit records it.
    #[cfg(feature = "external-client")]
    async fn commit_through(
        &self,
        api: &crate::external::ExternalApi,
        kinds: Kinds,
        turns: Vec<(String, Turn)>,
    ) -> Vec<(Item, Result<()>)> {
        for (_, turn) in &turns {
            turn.wait().await;
        }
        let mut outcomes = Vec::new();
        let mut batches = Vec::new();
        for (key, _) in &turns {
            match self.take_batch(key, kinds) {
                None => {}
                Some((key_item, Err(error))) => outcomes.push((key_item, Err(error))),
                Some((_, Ok(batch))) => batches.push((key.clone(), batch)),
            }
        }
        let mut records = Vec::with_capacity(batches.len());
        let mut sent = Vec::with_capacity(batches.len());
        for (key, batch) in batches {
            let groups = commit::groups(&self.core, &batch);
            if groups.is_empty() {
                // Nothing to send: committed as a direct commit commits it.
                self.shards
                    .with_held(&key, |record| record.committed(&batch));
                outcomes.push((batch.key_item, Ok(())));
            } else {
                records.push((batch.key_item.clone(), groups));
                sent.push((key, batch));
            }
        }
        let results = match records.is_empty() {
            true => Vec::new(),
            false => crate::external::client::commit(api, &self.core, records).await,
        };
        for ((key, batch), result) in sent.into_iter().zip(results) {
            if result.is_ok() {
                self.shards
                    .with_held(&key, |record| record.committed(&batch));
            }
            outcomes.push((batch.key_item, result));
        }
        drop(turns);
        self.shards.prune_turns();
        outcomes
    }

    /// Commits one record's pending writes, in its turn.
    async fn flush(&self, key_item: &Item) -> Result<()> {
        let key = cache_key(&self.core, key_item);
        let (_, mut failed) = self
            .commit(Kinds::All, |candidate, _| candidate == key)
            .await;
        match failed.pop() {
            Some((_, error)) => Err(error),
            None => Ok(()),
        }
    }

    /// Takes the turn of the record of cache key `key` and waits for it: a request sent while it is
    /// held comes after every earlier request of the record.
    async fn wait_turn(&self, key: &str) -> Turn {
        let turn = self.shards.take_turn(key);
        turn.wait().await;
        turn
    }

    /// Takes the record's turn and, once it comes, sends the record's pending writes: an operation
    /// sent at once while the returned turn is held comes after them, and after every earlier
    /// request of the record.
    async fn send_pending_first(&self, key_item: &Item) -> Result<Turn> {
        let key = cache_key(&self.core, key_item);
        let turn = self.wait_turn(&key).await;
        if let Some((_, Err(error))) = self
            .commit_in_turn(&key, Kinds::All)
            .instrument(tracing::debug_span!(
                "structnosql.commit",
                table = %self.core.table_name,
                records = 1,
            ))
            .await
        {
            return Err(error);
        }
        Ok(turn)
    }

    /// Reads the lists that `actions` write at a position of and that the cache does not know, in one
    /// GetItem, so that the writes can be resolved against them (see [`RecordCache::queue_call`]).
    /// Returns whether it sent that request.
    async fn learn_lists(&self, key_item: &Item, actions: &[UpdateAction]) -> Result<bool> {
        if !actions.iter().any(|action| has_index(action.path())) {
            return Ok(false);
        }
        let unknown: Vec<DocumentPath> = self.with_record(key_item, |record| {
            let mut unknown: Vec<DocumentPath> = Vec::new();
            for root in actions.iter().filter_map(|a| list_root(a.path())) {
                if record.lookup(&root) == Lookup::Miss && !unknown.contains(&root) {
                    unknown.push(root);
                }
            }
            unknown
        });
        if unknown.is_empty() {
            return Ok(false);
        }
        self.counters.miss(unknown.len());
        let item = get_paths(&self.core, key_item, &unknown).await?;
        self.with_record(key_item, |record| {
            record.learn(item.as_ref(), &projected_paths(&unknown))
        });
        Ok(true)
    }

    /// Forgets what the cache knows of `key_item` if it was read longer ago than the table's maximum
    /// age. Called as an operation starts, never in its middle, where what it just read must stand
    /// however short the maximum age.
    fn expire_stale(&self, key_item: &Item) {
        if let Some(max_age) = self.core.cache_max_age {
            let key = cache_key(&self.core, key_item);
            self.shards.with_held(&key, |record| record.expire(max_age));
        }
    }

    /// Reads the whole record into the cache: one GetItem, in the record's turn, so that no commit
    /// of it is in flight whose writes the answer may or may not hold. `then` answers from it under
    /// the same lock, before another task could make the cache forget it.
    async fn fetch_record<R>(
        &self,
        key: &str,
        key_item: &Item,
        then: impl FnOnce(&mut RecordCache) -> R,
    ) -> Result<R> {
        let _turn = self.wait_turn(key).await;
        let item = get_paths(&self.core, key_item, &[]).await?;
        Ok(self.shards.with_record(key, key_item, |record| {
            record.learned();
            record.set_base(knowledge::whole_record(item));
            then(record)
        }))
    }
}

/// What the view shows at `paths` (nothing where it does not know).
fn values_at(record: &RecordCache, paths: &[DocumentPath]) -> Vec<Option<AttributeValue>> {
    paths
        .iter()
        .map(|path| match record.lookup(path) {
            Lookup::Hit(value) => value,
            Lookup::Miss => None,
        })
        .collect()
}

impl Cached {
    /// A conditional write to a record with pending writes, sent with them in one UpdateItem where
    /// that means what sending them first would: the record is known whole and stored (so its
    /// existence is the same before and after them), the model has no version (which each request
    /// would increment), and neither the condition nor the write touches a path they write (so
    /// DynamoDB, which checks the condition before the request, sees what it would see after them).
    /// If the condition fails, the pending writes are committed alone, as they would have been.
    /// Returns the old values at the written paths, or `None` (nothing sent) when it cannot merge.
    async fn write_with_pending(
        &self,
        key_item: &Item,
        actions: &[UpdateAction],
        condition: &crate::expr::Condition,
    ) -> Result<Option<Item>> {
        let core = &self.core;
        // Removes of what is not there are left out of a request; a request of nothing but such
        // removes would not be sent, and its condition not checked.
        let sets_something = actions.iter().any(|a| matches!(a, UpdateAction::Set(..)));
        if core.model.version_field().is_some() || !core.updates_create_records || !sets_something {
            return Ok(None);
        }
        let read = condition.paths(core.model)?;
        let written: Vec<DocumentPath> = actions.iter().map(|a| a.path().clone()).collect();
        let key = cache_key(core, key_item);
        let _turn = self.wait_turn(&key).await;
        let record_defaults = defaults::record_has_defaults(core.model);
        let taken = self
            .shards
            .with_held(&key, |record| {
                let stored_and_kept = record.stored_whole() && record.shows_whole();
                if record.pending.is_empty() || !stored_and_kept {
                    return None;
                }
                let overlaps = |path: &DocumentPath| {
                    record.pending.iter().any(|(_, pending)| {
                        let pending = pending.path();
                        pending.starts_with(path) || path.starts_with(pending)
                    })
                };
                if read.iter().chain(&written).any(overlaps) {
                    return None;
                }
                let old = record.old_values(&written)?;
                let batch =
                    record.take_batch(Kinds::All, record_defaults, &self.shards.sequence)?;
                Some(batch.map(|batch| (batch, old)))
            })
            .flatten();
        let Some(taken) = taken else {
            return Ok(None);
        };
        let (batch, old) = taken?;
        let [phase] = batch.phases.as_slice() else {
            // Taken but not sent: the writes stay pending, merged.
            return Ok(None);
        };
        let mut merged = phase.actions.clone();
        merged.extend(actions.iter().cloned());
        let base = &batch.base;
        let sent = apply_with_knowledge(
            core,
            key_item,
            merged,
            |path| base.existing_depth(path),
            presence(core, base, phase.creates_record),
            phase.creates_record,
            None,
            Some(condition),
        )
        .await;
        match sent {
            Ok(()) => {
                self.with_record(key_item, |record| {
                    record.committed(&batch);
                    record.applied_at_once(actions.to_vec())
                })?;
                Ok(Some(old))
            }
            Err(Error::NotOneRequest { .. }) => Ok(None),
            Err(failed @ Error::ConditionFailed { .. }) => {
                // Nothing was written; the pending writes go alone, then the condition's failure.
                commit_record(core, &batch).await?;
                self.shards
                    .with_held(&key, |record| record.committed(&batch));
                Err(failed)
            }
            Err(error) => Err(error),
        }
    }

    /// Queues `actions` (taking them) if the view knows the lists they write positions of and the
    /// old values at `paths`, returning those; `None` (and nothing queued or taken) otherwise.
    fn queue_if_known(
        &self,
        record: &mut RecordCache,
        key_item: &Item,
        actions: &mut Vec<UpdateAction>,
        paths: &[DocumentPath],
        fetched: bool,
    ) -> Result<Option<crate::table::backend::Written>> {
        if !record.knows_lists_of(actions) {
            return Ok(None);
        }
        let Some(old) = record.old_values(paths) else {
            return Ok(None);
        };
        self.queue(record, key_item, std::mem::take(actions))?;
        Ok(Some(crate::table::backend::Written {
            old,
            from_cache: !fetched,
        }))
    }

    /// Values at `paths` of the record of cache key `key` if the cache knows them all, else the
    /// paths it does not know.
    fn cached_values(
        &self,
        key: &str,
        key_item: &Item,
        paths: &[DocumentPath],
    ) -> std::result::Result<Vec<Option<AttributeValue>>, Vec<DocumentPath>> {
        self.shards.with_record(key, key_item, |record| {
            let mut values = Vec::with_capacity(paths.len());
            let mut missing = Vec::new();
            for path in paths {
                match record.lookup(path) {
                    Lookup::Hit(value) => values.push(value),
                    Lookup::Miss => missing.push(path.clone()),
                }
            }
            if missing.is_empty() {
                Ok(values)
            } else {
                Err(missing)
            }
        })
    }
}

impl<M: TableDataModel, K: RecordKey> Table<M, K, Cached> {
    fn report(&self, committed: Vec<Item>, failed: Vec<(Item, Error)>) -> CommitReport<K> {
        let core = self.backend.core();
        CommitReport {
            committed: committed
                .iter()
                .filter_map(|item| core.key_of::<K>(item).ok())
                .collect(),
            failed: failed
                .into_iter()
                .filter_map(|(item, error)| core.key_of::<K>(&item).ok().map(|key| (key, error)))
                .collect(),
        }
    }

    /// Sends every pending write: per record one UpdateItem carrying its SETs and REMOVEs together
    /// (more only where DynamoDB's limits force it), records in parallel up to the table's commit
    /// concurrency. Parent maps the cache knows to be missing are created in that same request.
    /// The writes of records that fail stay pending.
    pub async fn commit_operations(&self) -> CommitReport<K> {
        let (committed, failed) = self.backend.commit(Kinds::All, |_, _| true).await;
        self.report(committed, failed)
    }

    /// Sends every pending write in one TransactWriteItems: all records are written or none (DynamoDB
    /// allows 100 records and 4 MB per transaction; beyond that this fails with [`Error::TooLarge`]
    /// and nothing is sent). Transactional writes cost twice the write capacity. On failure every
    /// write stays pending.
    pub async fn commit_operations_atomically(&self) -> Result<Vec<K>> {
        // Every record's turn, taken in one step and waited for in that order, is held until the
        // outcome is recorded.
        let turns = self.backend.take_turns(|_, _| true);
        for (_, turn) in &turns {
            turn.wait().await;
        }
        let mut batches = Vec::with_capacity(turns.len());
        for (key, _) in &turns {
            if let Some((_, batch)) = self.backend.take_batch(key, Kinds::All) {
                batches.push(batch?);
            }
        }
        let core = self.backend.core();
        if let Some(split) = batches.iter().find(|batch| batch.phases.len() > 1) {
            return Err(Error::Config {
                message: format!(
                    "the pending writes to {} remove what earlier writes created and need two requests in order, which one transaction cannot hold; use commit_operations",
                    core.describe_record(&split.key_item)
                ),
            });
        }
        let records = batches
            .iter()
            .map(|batch| {
                let base = &batch.base;
                let creates_record = batch.phases.iter().any(|phase| phase.creates_record);
                let (actions, created) = rewrite(
                    core.model,
                    batch.actions.clone(),
                    &|path: &DocumentPath| base.existing_depth(path),
                    &presence(core, base, creates_record),
                    matches!(base, Known::Absent).then_some(&batch.key_item),
                );
                RecordWrites {
                    key_item: batch.key_item.clone(),
                    actions,
                    created,
                    version: expected_version(core, &batch.base),
                    exists: match base {
                        Known::Absent => Some(false),
                        known if known.known_to_exist() => Some(true),
                        _ => None,
                    },
                }
            })
            .collect();
        commit_atomically(core, records).await?;
        let mut committed = Vec::with_capacity(batches.len());
        for batch in batches {
            self.backend
                .with_record(&batch.key_item, |record| record.committed(&batch));
            committed.push(core.key_of::<K>(&batch.key_item)?);
        }
        Ok(committed)
    }

    /// Sends the pending SETs only (after merging overlapping writes, so a SET that recreates a removed
    /// subtree counts as a SET).
    pub async fn commit_update_operations(&self) -> CommitReport<K> {
        let (committed, failed) = self.backend.commit(Kinds::Updates, |_, _| true).await;
        self.report(committed, failed)
    }

    /// Sends the pending REMOVEs only.
    pub async fn commit_remove_operations(&self) -> CommitReport<K> {
        let (committed, failed) = self.backend.commit(Kinds::Removes, |_, _| true).await;
        self.report(committed, failed)
    }

    fn any_pending(&self, kinds: Kinds) -> bool {
        self.backend.shards.lock_all().iter().any(|shard| {
            shard.records.values().any(|record| {
                record
                    .pending
                    .iter()
                    .any(|(_, action)| kinds.includes(action))
            })
        })
    }

    /// Whether writes are waiting for a commit.
    pub fn has_pending_operations(&self) -> bool {
        self.any_pending(Kinds::All)
    }

    /// Whether SETs are waiting for a commit.
    pub fn has_pending_update_operations(&self) -> bool {
        self.any_pending(Kinds::Updates)
    }

    /// Whether REMOVEs are waiting for a commit.
    pub fn has_pending_remove_operations(&self) -> bool {
        self.any_pending(Kinds::Removes)
    }

    fn clear_pending(&self, kinds: Kinds) {
        for mut shard in self.backend.shards.lock_all() {
            for record in shard.records.values_mut() {
                record.pending.retain(|_, action| !kinds.includes(action));
                record.rebuild_view();
            }
        }
    }

    /// Drops every pending write; reads then see what DynamoDB holds again.
    pub fn clear_pending_operations(&self) {
        self.clear_pending(Kinds::All);
    }

    /// Drops the pending SETs.
    pub fn clear_pending_update_operations(&self) {
        self.clear_pending(Kinds::Updates);
    }

    /// Drops the pending REMOVEs.
    pub fn clear_pending_remove_operations(&self) {
        self.clear_pending(Kinds::Removes);
    }

    /// Forgets what was read; pending writes are kept, and later reads fetch again (and still see the
    /// pending writes).
    pub fn clear_cached_data(&self) {
        self.backend.shards.retain(|record| {
            record.set_base(Known::unknown());
            !record.pending.is_empty()
        });
    }

    /// Forgets what was read of one record; its pending writes are kept.
    pub fn clear_cached_data_for_record(&self, key: impl Into<K>) -> Result<()> {
        let key_item = self.backend.core().key_item(&key.into())?;
        let key = cache_key(self.backend.core(), &key_item);
        self.backend.shards.forget_if(&key, |record| {
            record.set_base(Known::unknown());
            record.pending.is_empty()
        });
        Ok(())
    }

    /// Forgets everything: what was read and every pending write.
    pub fn clear_cached_data_and_pending_operations(&self) {
        self.backend.shards.retain(|_| false);
    }

    /// Requests sent, cache hits and misses so far, and the records held and forgotten.
    pub fn stats(&self) -> CacheStats {
        let (cached_records, evictions) = self.backend.shards.counts();
        CacheStats {
            cached_records,
            evictions,
            ..self.backend.counters.snapshot()
        }
    }
}
