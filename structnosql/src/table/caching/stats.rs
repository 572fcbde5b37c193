//! Counters of a caching table: requests sent, cache hits and misses.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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
    /// Counted on every cache hit, from every thread at once.
    hits: StripedCount,
    misses: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> CacheStats {
        CacheStats {
            requests_sent: self.requests.load(Ordering::Relaxed),
            cache_hits: self.hits.sum(),
            cache_misses: self.misses.load(Ordering::Relaxed),
            cached_records: 0,
            evictions: 0,
        }
    }

    pub(crate) fn hit(&self, count: usize) {
        self.hits.add(count as u64);
    }

    pub(crate) fn miss(&self, count: usize) {
        self.misses.fetch_add(count as u64, Ordering::Relaxed);
    }
}

/// A count that threads add to at once without sharing a cache line: each thread adds to a stripe
/// of its own (more threads than stripes share them), and reading it sums the stripes.
#[derive(Debug)]
struct StripedCount {
    stripes: Box<[Stripe]>,
}

#[derive(Debug, Default)]
#[repr(align(128))]
struct Stripe(AtomicU64);

impl Default for StripedCount {
    fn default() -> Self {
        Self {
            stripes: (0..super::shards::per_core(2))
                .map(|_| Stripe::default())
                .collect(),
        }
    }
}

impl StripedCount {
    fn add(&self, count: u64) {
        let stripe = thread_stripe() & (self.stripes.len() - 1);
        if let Some(Stripe(value)) = self.stripes.get(stripe) {
            value.fetch_add(count, Ordering::Relaxed);
        }
    }

    fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .map(|Stripe(value)| value.load(Ordering::Relaxed))
            .sum()
    }
}

/// This thread's stripe number: threads are numbered in the order they first count.
fn thread_stripe() -> usize {
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = THREADS.fetch_add(1, Ordering::Relaxed);
    }
    STRIPE.with(|stripe| *stripe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_counted_by_many_threads_at_once_all_count() {
        let counters = Counters::default();
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..10_000 {
                        counters.hit(2);
                    }
                });
            }
        });
        assert_eq!(counters.snapshot().cache_hits, 160_000);
    }
}
