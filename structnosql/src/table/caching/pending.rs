//! A record's pending writes: the log in the caller's order, indexed by path.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::expr::UpdateAction;
use crate::path::DocumentPath;

/// A record's writes not yet sent, in the caller's order, each with its sequence number, and an index
/// of their paths so that finding the writes at or below a path does not scan the log. Most cached
/// records have none, so an empty log takes one word.
#[derive(Debug, Default)]
pub(super) struct PendingLog {
    log: Option<Box<Log>>,
}

#[derive(Debug, Default)]
struct Log {
    entries: Vec<(u64, UpdateAction)>,
    /// How many entries write each path.
    paths: BTreeMap<DocumentPath, usize>,
}

impl Log {
    fn retain(&mut self, mut keep: impl FnMut(u64, &UpdateAction) -> bool) {
        let paths = &mut self.paths;
        self.entries.retain(|(sequence, action)| {
            let kept = keep(*sequence, action);
            if !kept {
                if let Some(count) = paths.get_mut(action.path()) {
                    *count -= 1;
                    if *count == 0 {
                        paths.remove(action.path());
                    }
                }
            }
            kept
        });
    }
}

impl PendingLog {
    pub(super) fn push(&mut self, sequence: u64, action: UpdateAction) {
        let log = self.log.get_or_insert_with(Box::default);
        // Most writes are of a path already in the index (the log keeps one write per path).
        match log.paths.get_mut(action.path()) {
            Some(count) => *count += 1,
            None => {
                log.paths.insert(action.path().clone(), 1);
            }
        }
        log.entries.push((sequence, action));
    }

    /// Adds a write that replaces every one at or below its path (a SET), keeping the log's
    /// allocations.
    pub(super) fn push_replacing(&mut self, sequence: u64, action: UpdateAction) {
        if let Some(log) = self.log.as_deref_mut() {
            let path = action.path();
            log.retain(|_, earlier| !earlier.path().starts_with(path));
        }
        self.push(sequence, action);
    }

    /// Keeps the entries `keep` accepts.
    pub(super) fn retain(&mut self, keep: impl FnMut(u64, &UpdateAction) -> bool) {
        if let Some(log) = self.log.as_deref_mut() {
            log.retain(keep);
            if log.entries.is_empty() {
                self.log = None;
            }
        }
    }

    pub(super) fn clear(&mut self) {
        self.log = None;
    }

    /// Whether some entry writes `path` or a path inside it. Paths inside `path` sort right after it.
    pub(super) fn writes_at_or_below(&self, path: &DocumentPath) -> bool {
        self.log.as_ref().is_some_and(|log| {
            log.paths
                .range::<DocumentPath, _>((Bound::Included(path), Bound::Unbounded))
                .next()
                .is_some_and(|(written, _)| written.starts_with(path))
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.log.is_none()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &(u64, UpdateAction)> {
        self.log.iter().flat_map(|log| log.entries.iter())
    }

    /// The sequence number of the last write (0 when there is none).
    pub(super) fn last_sequence(&self) -> u64 {
        self.log
            .as_ref()
            .and_then(|log| log.entries.last())
            .map_or(0, |(sequence, _)| *sequence)
    }
}
