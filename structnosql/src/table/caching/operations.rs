//! How the caching backend answers each operation: from the cache, queued, or sent at once.

use super::commit::Kinds;
use super::shards::Shards;
use super::{cache_key, values_at, Cached};

use aws_sdk_dynamodb::types::AttributeValue;

use super::knowledge::{whole_record, Known};
use super::packed::Whole;
use super::record::RecordCache;
use super::stats::Counters;
use crate::error::Result;
use crate::expr::{Condition, UpdateAction};
use crate::model::Item;
use crate::path::DocumentPath;
use crate::table::backend::{
    Backend, CacheHook, HookFuture, OldValues, PutCondition, Reads, Written,
};
use crate::table::core::{Store, TableCore};
use crate::table::page::QueryMetadata;
use crate::table::query::{query_page, Query};
use crate::table::read::{get_paths, projected_paths};
use crate::table::records;
use crate::table::trace::SendCounter;
use crate::table::write::apply;

impl Backend for Cached {
    fn cache_hook(self: &std::sync::Arc<Self>) -> Option<std::sync::Arc<dyn CacheHook>> {
        Some(std::sync::Arc::clone(self) as std::sync::Arc<dyn CacheHook>)
    }

    fn new(mut core: TableCore) -> Self {
        let counters = Counters::default();
        let sent = std::sync::Arc::clone(&counters.requests);
        core.store = match core.store {
            Store::DynamoDb(client) => {
                let config = client
                    .config()
                    .to_builder()
                    .interceptor(SendCounter(sent))
                    .build();
                Store::DynamoDb(aws_sdk_dynamodb::Client::from_conf(config))
            }
            #[cfg(feature = "external-client")]
            Store::External(api) => Store::External(api.counting(sent)),
        };
        Self {
            shards: Shards::new(core.model, core.cache_capacity),
            core,
            counters,
        }
    }

    fn core(&self) -> &TableCore {
        &self.core
    }

    async fn read(&self, key_item: &Item, paths: &[DocumentPath]) -> Result<Reads> {
        self.expire_stale(key_item);
        let key = cache_key(&self.core, key_item);
        // One look at the cache answers a hit; only the paths it does not know are fetched.
        let missing: Vec<DocumentPath> = match self.cached_values(&key, key_item, paths) {
            Ok(values) => {
                self.counters.hit(paths.len());
                return Ok(Reads {
                    values,
                    from_cache: true,
                });
            }
            Err(missing) => missing,
        };
        self.counters.hit(paths.len() - missing.len());
        self.counters.miss(missing.len());
        let values = if self.core.whole_record_reads {
            self.fetch_record(&key, key_item, |record| values_at(record, paths))
                .await?
        } else {
            let item = get_paths(&self.core, key_item, &missing).await?;
            self.shards.with_record(&key, key_item, |record| {
                record.learn(item.as_ref(), &projected_paths(&missing));
                values_at(record, paths)
            })
        };
        Ok(Reads {
            values,
            from_cache: false,
        })
    }

    async fn read_record(&self, key_item: &Item) -> Result<Option<Item>> {
        self.expire_stale(key_item);
        let key = cache_key(&self.core, key_item);
        match self
            .shards
            .with_record(&key, key_item, |record| record.whole())
        {
            Whole::Record(item) => {
                self.counters.hit(1);
                return Ok(Some(item));
            }
            Whole::Absent => {
                self.counters.hit(1);
                return Ok(None);
            }
            Whole::NotKnown => {}
        }
        self.counters.miss(1);
        self.fetch_record(&key, key_item, |record| match record.whole() {
            Whole::Record(item) => Some(item),
            _ => None,
        })
        .await
    }

    async fn write(
        &self,
        key_item: &Item,
        mut actions: Vec<UpdateAction>,
        old: OldValues,
        condition: Option<&Condition>,
    ) -> Result<Written> {
        self.expire_stale(key_item);
        // A conditional write is checked by DynamoDB when it is made: it cannot wait for a commit.
        if condition.is_none() {
            let paths: Vec<DocumentPath> = match old {
                OldValues::Skip => Vec::new(),
                OldValues::Fetch => actions.iter().map(|a| a.path().clone()).collect(),
            };
            let fetched =
                !self.core.whole_record_reads && self.learn_lists(key_item, &actions).await?;
            let known = self.with_record(key_item, |record| {
                self.queue_if_known(record, key_item, &mut actions, &paths, fetched)
            })?;
            if let Some(written) = known {
                return Ok(written);
            }
            if self.core.whole_record_reads {
                // Known whole, the record answers every old value and list position.
                let queued = self
                    .fetch_record(&cache_key(&self.core, key_item), key_item, |record| {
                        self.queue_if_known(record, key_item, &mut actions, &paths, true)
                    })
                    .await??;
                if let Some(written) = queued {
                    return Ok(written);
                }
            }
        }
        if let Some(condition) = condition {
            if let Some(old) = self
                .write_with_pending(key_item, &actions, condition)
                .await?
            {
                return Ok(Written {
                    old,
                    from_cache: false,
                });
            }
        }
        // The old values are not cached, or the write is conditional: send at once, after the
        // record's pending writes.
        let _turn = self.send_pending_first(key_item).await?;
        let old = apply(
            &self.core,
            key_item,
            actions.clone(),
            OldValues::Fetch,
            condition,
        )
        .await?;
        self.with_record(key_item, |record| record.applied_at_once(actions))?;
        Ok(Written {
            old,
            from_cache: false,
        })
    }

    async fn put(&self, key_item: &Item, item: Item, condition: PutCondition<'_>) -> Result<bool> {
        // A condition (a version check included) is checked against what DynamoDB holds, which
        // must include the writes queued before.
        let _turn = if !matches!(condition, PutCondition::None)
            || self.core.model.version_field().is_some()
        {
            self.send_pending_first(key_item).await?
        } else {
            self.wait_turn(&cache_key(&self.core, key_item)).await
        };
        let superseded = self.with_record(key_item, |record| record.last_sequence());
        let written = records::put_keeping(&self.core, key_item, item, condition).await?;
        if let Some(item) = &written {
            self.with_record(key_item, |record| {
                record.drop_pending_through(superseded);
                record.set_base(Known::Value(AttributeValue::M(item.clone())));
            });
        }
        Ok(written.is_some())
    }

    async fn delete_record(&self, key_item: &Item, condition: Option<&Condition>) -> Result<bool> {
        self.expire_stale(key_item);
        if condition.is_none() {
            if let Some(removed) = self.delete_known(key_item).await? {
                return Ok(removed.is_some());
            }
        }
        let _turn = self.send_pending_first(key_item).await?;
        let existed = records::delete(&self.core, key_item, condition).await?;
        self.forget_record_contents(key_item);
        Ok(existed)
    }

    async fn remove_record(&self, key_item: &Item) -> Result<Option<Item>> {
        self.expire_stale(key_item);
        if let Some(removed) = self.delete_known(key_item).await? {
            return Ok(removed);
        }
        let _turn = self.send_pending_first(key_item).await?;
        let removed = records::remove(&self.core, key_item).await?;
        self.forget_record_contents(key_item);
        Ok(removed)
    }

    async fn commit_before_reading(&self, hash: Option<&AttributeValue>) -> Result<()> {
        let hash_key = &self.core.primary_index.hash_key;
        let (_, mut failed) = self
            .commit(Kinds::All, |_, record| {
                hash.is_none_or(|hash| record.key_item().get(hash_key) == Some(hash))
            })
            .await;
        failed.pop().map_or(Ok(()), |(_, error)| Err(error))
    }

    async fn query(
        &self,
        query: &Query,
        paths: &[DocumentPath],
    ) -> Result<(Vec<Item>, QueryMetadata)> {
        if let Some(key_item) = self.queried_record(query) {
            self.expire_stale(&key_item);
            let cached = self.with_record(&key_item, |record| self.query_from_cache(record, paths));
            if let Some(answer) = cached {
                return Ok(answer);
            }
            if self.core.whole_record_reads {
                // One GetItem costs what the Query would, and leaves the record known.
                self.counters.miss(paths.len());
                let answer = self
                    .fetch_record(&cache_key(&self.core, &key_item), &key_item, |record| {
                        self.query_from_cache(record, paths)
                    })
                    .await?;
                if let Some(answer) = answer {
                    return Ok(answer);
                }
            }
        }
        let hash = query
            .index
            .is_none()
            .then(|| self.core.with_leading_key(query.hash.clone()));
        self.commit_before_reading(hash.as_ref()).await?;
        let (items, metadata) = query_page(&self.core, query, paths).await?;
        if !self.core.index_holds_records(query.index.as_deref()) {
            // The index holds only some attributes: DynamoDB's answer is the whole answer (the
            // records' pending writes were committed first), and nothing is learned from it.
            return Ok((items, metadata));
        }
        let projected = projected_paths(paths);
        let seen = items
            .into_iter()
            .map(|item| {
                let key_item: Item = std::iter::once(&self.core.primary_index.hash_key)
                    .chain(&self.core.primary_index.sort_key)
                    .filter_map(|name| item.get(name).map(|value| (name.clone(), value.clone())))
                    .collect();
                self.with_record(&key_item, |record| {
                    record.learn(Some(&item), &projected);
                    // What the caller sees includes its own pending writes.
                    record.shown(paths)
                })
            })
            .collect();
        Ok((seen, metadata))
    }

    fn learn_records(
        &self,
        records: Vec<(Item, Option<Item>)>,
        learned: crate::table::backend::Learned<'_>,
    ) -> Vec<Option<Item>> {
        use crate::table::backend::Learned;
        records
            .into_iter()
            .map(|(key_item, item)| {
                self.with_record(&key_item, |record| match learned {
                    Learned::Paths(projected) => {
                        let exists = item.is_some();
                        record.learn(item.as_ref(), projected);
                        if !exists && record.shows_absent() {
                            return None;
                        }
                        // What the caller sees includes its own pending writes.
                        Some(record.shown(projected))
                    }
                    Learned::Records => {
                        record.set_base(whole_record(item));
                        match record.whole() {
                            Whole::Record(item) => Some(item),
                            _ => None,
                        }
                    }
                    Learned::Written => {
                        // A record-level write supersedes the pending writes, as `put` does.
                        record.pending.clear();
                        record.set_base(whole_record(item.clone()));
                        item
                    }
                    Learned::Uncertain => {
                        record.set_base(Known::unknown());
                        item
                    }
                })
            })
            .collect()
    }
}

impl Cached {
    /// Deletes a record the cache knows whole, in one request whatever its pending writes: the
    /// answer (the record as it would be once they were committed) comes from the view, and the
    /// writes, which the delete would undo, are dropped once it succeeds. Nothing is sent for a
    /// record DynamoDB is known not to hold. `None` (nothing done) when the record is not known whole.
    async fn delete_known(&self, key_item: &Item) -> Result<Option<Option<Item>>> {
        let key = cache_key(&self.core, key_item);
        let _turn = self.wait_turn(&key).await;
        let known = self.shards.with_record(&key, key_item, |record| {
            let shown = match record.whole() {
                Whole::Absent => None,
                Whole::Record(item) => Some(item),
                Whole::NotKnown => return None,
            };
            Some((shown, !record.known_absent(), record.last_sequence()))
        });
        let Some((shown, stored, superseded)) = known else {
            return Ok(None);
        };
        if stored {
            records::remove(&self.core, key_item).await?;
        }
        self.shards.with_record(&key, key_item, |record| {
            record.drop_pending_through(superseded);
            record.learned();
            record.set_base(Known::Absent);
        });
        Ok(Some(shown))
    }

    /// The key of the one record `query` can return, when it reads one record at most: a query of
    /// the primary index of a table without a sort key, with no sort condition, filter or start key.
    fn queried_record(&self, query: &Query) -> Option<Item> {
        let one_record = query.index.is_none()
            && self.core.primary_index.sort_key.is_none()
            && query.sort.is_none()
            && query.filter.is_none()
            && query.start.is_none()
            && query.limit.is_none_or(|limit| limit >= 1);
        one_record.then(|| {
            Item::from([(
                self.core.primary_index.hash_key.clone(),
                self.core.with_leading_key(query.hash.clone()),
            )])
        })
    }

    /// The answer to a query of the one record `key_item` when the cache knows it whole (pending
    /// writes included, as a `BasicTable` would have sent them); `None` otherwise.
    fn query_from_cache(
        &self,
        record: &RecordCache,
        paths: &[DocumentPath],
    ) -> Option<(Vec<Item>, QueryMetadata)> {
        let items = if record.shows_absent() {
            Vec::new()
        } else if record.shows_whole() {
            vec![record.shown(paths)]
        } else {
            return None;
        };
        self.counters.hit(paths.len());
        // Nothing follows the one record, which is what DynamoDB says too (an emulator may still
        // return a key when the page fills its limit, for an empty page after it).
        let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
        Some((
            items,
            QueryMetadata {
                count,
                has_reached_end: true,
                last_evaluated_key: None,
            },
        ))
    }

    /// After a record-level delete: the record is known absent.
    pub(super) fn forget_record_contents(&self, key_item: &Item) {
        self.with_record(key_item, |record| record.set_base(Known::Absent));
    }
}

impl CacheHook for Cached {
    fn flush<'a>(&'a self, key_item: &'a Item) -> HookFuture<'a> {
        Box::pin(Cached::flush(self, key_item))
    }

    fn forget(&self, key_item: &Item) {
        self.with_record(key_item, |record| record.set_base(Known::unknown()));
    }
}
