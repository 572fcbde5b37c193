//! One record's writes reach DynamoDB one request at a time, in the order they were taken: each
//! commit (or immediate write) of a record takes a [`Turn`] when it takes the record's writes, and
//! sends only once every earlier turn of that record has ended. So a delayed or retried older request
//! can never land after a newer one.
//!
//! The queues of a shard's records are kept in the shard ([`super::shards`]), under its lock, so
//! that taking the turns of several records in one step is locking their shards.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// The turn queues of some records, by cache key.
#[derive(Debug, Default)]
pub(super) struct Turns {
    by_key: HashMap<String, Arc<Queue>>,
    /// The number of queues at which [`Turns::take`] forgets the unused ones: twice as many as were
    /// in use after the last time, so a table that only reads (and never commits, which prunes too)
    /// holds queues for its active records only, at a constant cost per turn.
    prune_at: usize,
}

/// The fewest queues [`Turns::take`] prunes (in each of the cache's shards).
const PRUNE_AT_LEAST: usize = 128;

impl Turns {
    /// The next turn of the record `key`.
    pub(super) fn take(&mut self, key: &str) -> Turn {
        if self.by_key.len() >= self.prune_at.max(PRUNE_AT_LEAST) {
            self.prune();
            self.prune_at = 2 * self.by_key.len();
        }
        let queue = match self.by_key.get(key) {
            Some(queue) => Arc::clone(queue),
            None => Arc::clone(self.by_key.entry(key.to_owned()).or_default()),
        };
        let ticket = {
            let mut state = lock(&queue.state);
            state.issued += 1;
            state.issued - 1
        };
        Turn { queue, ticket }
    }

    /// Forgets the queues no turn is in, so a long-lived table holds only active records.
    pub(super) fn prune(&mut self) {
        self.by_key.retain(|_, queue| Arc::strong_count(queue) > 1);
    }
}

/// The order of one record's turns.
#[derive(Debug, Default)]
struct Queue {
    state: Mutex<QueueState>,
    ended: Notify,
}

#[derive(Debug, Default)]
struct QueueState {
    /// Turns handed out.
    issued: u64,
    /// The turn that may send now: every turn before it has ended.
    serving: u64,
    /// Turns that ended before their predecessors did (dropped while waiting).
    ended_early: BTreeSet<u64>,
}

/// A place in a record's order; ends when dropped.
#[derive(Debug)]
pub(crate) struct Turn {
    queue: Arc<Queue>,
    ticket: u64,
}

impl Turn {
    /// Waits until every earlier turn of the record has ended.
    pub(crate) async fn wait(&self) {
        loop {
            let ended = self.queue.ended.notified();
            tokio::pin!(ended);
            // Registered before looking, so an end between the look and the wait is not missed.
            ended.as_mut().enable();
            if lock(&self.queue.state).serving == self.ticket {
                return;
            }
            ended.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        {
            let mut state = lock(&self.queue.state);
            if state.serving != self.ticket {
                // Ends before its predecessors: it is passed over when they have ended.
                state.ended_early.insert(self.ticket);
                return;
            }
            state.serving += 1;
            loop {
                let serving = state.serving;
                if !state.ended_early.remove(&serving) {
                    break;
                }
                state.serving += 1;
            }
        }
        self.queue.ended.notify_waiters();
    }
}

/// A poisoned lock is taken over: the counters it guards are updated in one step each.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_table_that_never_commits_keeps_queues_for_its_active_records_only() {
        let mut turns = Turns::default();
        let held = turns.take("held");
        for record in 0..100_000 {
            drop(turns.take(&format!("r{record}")));
        }
        let queues = turns.by_key.len();
        assert!(queues <= 2 * PRUNE_AT_LEAST, "{queues} queues kept");
        assert!(turns.by_key.contains_key("held"));
        drop(held);
    }

    #[tokio::test]
    async fn turns_of_one_record_go_in_the_order_taken() {
        let mut turns = Turns::default();
        let first = turns.take("r");
        let second = turns.take("r");
        let other = turns.take("s");
        other.wait().await;
        first.wait().await;
        let waiting = tokio::spawn(async move {
            second.wait().await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second waits for the first");
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the second goes once the first ended")
            .expect("task");
    }

    #[tokio::test]
    async fn a_turn_dropped_while_waiting_does_not_let_later_ones_overtake() {
        let mut turns = Turns::default();
        let first = turns.take("r");
        let second = turns.take("r");
        let third = turns.take("r");
        drop(second);
        let waiting = tokio::spawn(async move {
            third.wait().await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the first has not ended");
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the third goes")
            .expect("task");
        turns.prune();
        assert!(turns.by_key.is_empty());
    }
}
