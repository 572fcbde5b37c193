//! Counters of a caching table: requests sent, cache hits and misses.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a caching table has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests sent to DynamoDB (every attempt, retries included).
    pub requests_sent: u64,
    /// Paths read that the cache answered.
    pub cache_hits: u64,
    /// Paths read that had to be fetched.
    pub cache_misses: u64,
    /// Records the cache holds now.
    pub cached_records: usize,
    /// Records forgotten to stay within the table's capacity.
    pub evictions: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: Arc<AtomicU64>,
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> CacheStats {
        CacheStats {
            requests_sent: self.requests.load(Ordering::Relaxed),
            cache_hits: self.hits.load(Ordering::Relaxed),
            cache_misses: self.misses.load(Ordering::Relaxed),
            cached_records: 0,
            evictions: 0,
        }
    }

    pub(crate) fn hit(&self, count: usize) {
        self.hits.fetch_add(count as u64, Ordering::Relaxed);
    }

    pub(crate) fn miss(&self, count: usize) {
        self.misses.fetch_add(count as u64, Ordering::Relaxed);
    }
}
