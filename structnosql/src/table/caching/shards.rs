//! The cache's records, split by cache key into shards that are locked one at a time, so that
//! tasks using different records do not wait for each other. What spans records (the order of
//! pending writes, the least-recently-used order, the record count) is kept in atomics; what must
//! see every record at once (taking the turns of a commit, eviction, clearing) locks every shard,
//! always in the same order.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::record::RecordCache;
use super::turns::{Turn, Turns};
use crate::model::{Item, ModelSchema};

/// The cache of one table.
#[derive(Debug)]
pub(super) struct Shards {
    shards: Box<[Padded]>,
    /// Picks a key's shard.
    hasher: RandomState,
    model: &'static ModelSchema,
    /// The most records kept (see `TableBuilder::cache_capacity`).
    capacity: Option<usize>,
    /// Numbers the pending writes of every record, in the order they were queued.
    pub(super) sequence: Sequence,
    /// Uses of records so far, counted only when the cache has a capacity: each use stamps the
    /// record, the least recently used go first.
    uses: AtomicU64,
    /// Records held, to tell when the capacity is passed: counted outside the shards' locks, so
    /// tasks making records at once may leave it off by a few, until the next eviction recounts.
    held: AtomicUsize,
    /// Records forgotten to stay within the capacity.
    evictions: AtomicU64,
}

/// A shard on cache lines of its own, so that locking one does not slow its neighbours' users.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(Mutex<Shard>);

/// Some of the cache's records, and the turn queues of those records.
#[derive(Debug, Default)]
pub(super) struct Shard {
    /// Boxed, so that the table's slots, of which up to half are free, stay small.
    pub(super) records: HashMap<String, Box<RecordCache>>,
    pub(super) turns: Turns,
}

/// Numbers unique across the table and increasing in the order taken.
#[derive(Debug, Default)]
pub(super) struct Sequence(AtomicU64);

impl Sequence {
    /// The next number (the first is 1).
    pub(super) fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Shards {
    pub(super) fn new(model: &'static ModelSchema, capacity: Option<usize>) -> Self {
        Self {
            // Four shards per core make it unlikely that two cores want the same one.
            shards: (0..per_core(4)).map(|_| Padded::default()).collect(),
            hasher: RandomState::new(),
            model,
            capacity,
            sequence: Sequence::default(),
            uses: AtomicU64::new(0),
            held: AtomicUsize::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    /// The shard holding `key`, locked.
    #[allow(clippy::indexing_slicing)] // Masked to the count of shards, a power of two.
    fn lock(&self, key: &str) -> MutexGuard<'_, Shard> {
        let index = self.hasher.hash_one(key) as usize & (self.shards.len() - 1);
        lock(&self.shards[index].0)
    }

    /// Every shard, locked in the same order each time (so that two callers cannot each hold a
    /// shard the other waits for).
    pub(super) fn lock_all(&self) -> Vec<MutexGuard<'_, Shard>> {
        self.shards.iter().map(|shard| lock(&shard.0)).collect()
    }

    /// Runs `f` on the record `key` (of key attributes `key_item`), made if there is none, under its
    /// shard's lock, and marks it used now. A record made beyond the capacity makes the cache
    /// forget others once the lock is released.
    pub(super) fn with_record<R>(
        &self,
        key: &str,
        key_item: &Item,
        f: impl FnOnce(&mut RecordCache) -> R,
    ) -> R {
        let mut made = false;
        let (answer, stamp) = {
            let mut shard = self.lock(key);
            let record = match shard.records.get_mut(key) {
                Some(record) => record,
                None => {
                    made = true;
                    let record = Box::new(RecordCache::new(key_item, self.model));
                    shard.records.entry(key.to_owned()).or_insert(record)
                }
            };
            if self.capacity.is_some() {
                record.last_used = self.uses.fetch_add(1, Ordering::Relaxed) + 1;
            }
            let stamp = record.last_used;
            (f(record), stamp)
        };
        if made {
            let held = self.held.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(capacity) = self.capacity.filter(|capacity| held > *capacity) {
                self.evict(capacity, stamp);
            }
        }
        answer
    }

    /// Runs `f` on the record `key` if the cache holds it, under its shard's lock.
    pub(super) fn with_held<R>(
        &self,
        key: &str,
        f: impl FnOnce(&mut RecordCache) -> R,
    ) -> Option<R> {
        self.lock(key).records.get_mut(key).map(|record| f(record))
    }

    /// Runs `f` on the record `key` if the cache holds it, and forgets the record if `f` returns
    /// true.
    pub(super) fn forget_if(&self, key: &str, f: impl FnOnce(&mut RecordCache) -> bool) {
        let mut shard = self.lock(key);
        if shard.records.get_mut(key).is_some_and(|record| f(record)) {
            shard.records.remove(key);
            self.held.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// The next turn of the record `key`.
    pub(super) fn take_turn(&self, key: &str) -> Turn {
        self.lock(key).turns.take(key)
    }

    /// Forgets the turn queues no turn is in.
    pub(super) fn prune_turns(&self) {
        for shard in self.shards.iter() {
            lock(&shard.0).turns.prune();
        }
    }

    /// Forgets the least recently used records without pending writes, leaving room for a tenth of
    /// `capacity` more (so that eviction is not a scan per new record). The record just made (used
    /// at `made`) is kept. Records with pending writes are never forgotten, even when they alone fill
    /// the cache.
    fn evict(&self, capacity: usize, made: u64) {
        let mut shards = self.lock_all();
        let held: usize = shards.iter().map(|shard| shard.records.len()).sum();
        let target = capacity.saturating_sub((capacity / 10).max(1)) + 1;
        let excess = held.saturating_sub(target);
        let mut idle: Vec<(u64, usize, String)> = shards
            .iter()
            .enumerate()
            .flat_map(|(index, shard)| {
                shard
                    .records
                    .iter()
                    .filter(|(_, record)| record.pending.is_empty() && record.last_used != made)
                    .map(move |(key, record)| (record.last_used, index, key.clone()))
            })
            .collect();
        idle.sort_unstable();
        let mut forgotten = 0;
        for (_, index, key) in idle.into_iter().take(excess) {
            if let Some(shard) = shards.get_mut(index) {
                shard.records.remove(&key);
                forgotten += 1;
            }
        }
        self.held.store(held - forgotten, Ordering::Relaxed);
        self.evictions
            .fetch_add(forgotten as u64, Ordering::Relaxed);
    }

    /// Runs `update` on every record and keeps those for which it returns true.
    pub(super) fn retain(&self, mut update: impl FnMut(&mut RecordCache) -> bool) {
        let mut held = 0;
        for mut shard in self.lock_all() {
            shard.records.retain(|_, record| update(record));
            held += shard.records.len();
        }
        self.held.store(held, Ordering::Relaxed);
    }

    /// Records held, and records forgotten to stay within the capacity.
    pub(super) fn counts(&self) -> (usize, u64) {
        let held = self
            .lock_all()
            .iter()
            .map(|shard| shard.records.len())
            .sum();
        (held, self.evictions.load(Ordering::Relaxed))
    }
}

/// `count` per core of this machine, rounded up to a power of two (at most 256).
pub(super) fn per_core(count: usize) -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    // Finding the cores available may read the process's control groups: it is done once.
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(4, usize::from));
    (count * cores).next_power_of_two().min(256)
}

/// A panic while a shard was locked cannot leave it half-updated in a way that matters more than
/// losing it, so a poisoned lock is taken over.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    static MODEL: ModelSchema = ModelSchema::new("Record", &[]);

    fn key_item(id: usize) -> Item {
        Item::from([("id".to_owned(), AttributeValue::S(format!("r{id}")))])
    }

    fn use_record(shards: &Shards, id: usize) {
        shards.with_record(&format!("r{id}"), &key_item(id), |_| ());
    }

    fn held(shards: &Shards, id: usize) -> bool {
        shards.with_held(&format!("r{id}"), |_| ()).is_some()
    }

    #[test]
    fn a_full_cache_forgets_the_least_recently_used_records_whatever_their_shards() {
        let shards = Shards::new(&MODEL, Some(10));
        for id in 0..10 {
            use_record(&shards, id);
        }
        // Used again: now the most recently used but one.
        use_record(&shards, 0);
        use_record(&shards, 10);
        assert_eq!(
            shards.counts(),
            (10, 1),
            "a tenth of the capacity forgotten"
        );
        assert!(!held(&shards, 1), "the least recently used is forgotten");
        assert!(held(&shards, 0) && held(&shards, 10));
        for id in 11..100 {
            use_record(&shards, id);
            assert!(shards.counts().0 <= 10);
        }
        assert!((90..100).all(|id| held(&shards, id)));
        assert_eq!(shards.counts(), (10, 90));
    }

    #[test]
    fn a_record_made_past_the_capacity_is_kept_when_every_other_has_pending_writes() {
        let shards = Shards::new(&MODEL, Some(1));
        let write = || {
            vec![crate::expr::UpdateAction::Set(
                crate::path::DocumentPath::from_segments(vec![crate::path::Segment::Field(
                    "score",
                )]),
                AttributeValue::N("1".to_owned()),
            )]
        };
        shards
            .with_record("r0", &key_item(0), |record| {
                record.queue_call(&shards.sequence, write(), String::new)
            })
            .expect("queued");
        use_record(&shards, 1);
        assert_eq!(shards.counts(), (2, 0));
        assert!(held(&shards, 0) && held(&shards, 1));
    }

    #[test]
    fn clearing_keeps_what_it_is_told_to_and_counts_what_is_held() {
        let shards = Shards::new(&MODEL, Some(100));
        for id in 0..50 {
            use_record(&shards, id);
        }
        shards.forget_if("r7", |_| true);
        shards.forget_if("r8", |_| false);
        assert_eq!(shards.counts(), (49, 0));
        shards.retain(|record| record.key_item() == key_item(3));
        assert_eq!(shards.counts(), (1, 0));
        assert!(held(&shards, 3));
    }

    #[test]
    fn sequence_numbers_are_unique_across_threads() {
        let sequence = Sequence::default();
        let mut numbers: Vec<u64> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (0..1000).map(|_| sequence.next()).collect::<Vec<_>>()))
                .collect();
            threads
                .into_iter()
                .flat_map(|thread| thread.join().unwrap_or_default())
                .collect()
        });
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=4000).collect::<Vec<u64>>());
    }
}
