//! A record's pending writes: the log in the caller's order, indexed by path.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::expr::UpdateAction;
use crate::path::DocumentPath;

/// A record's writes not yet sent, in the caller's order, each with its sequence number, and an index
/// of their paths so that finding the writes at or below a path does not scan the log.
#[derive(Debug, Default)]
pub(super) struct PendingLog {
    pub(super) entries: Vec<(u64, UpdateAction)>,
    /// How many entries write each path.
    paths: BTreeMap<DocumentPath, usize>,
}

impl PendingLog {
    pub(super) fn push(&mut self, sequence: u64, action: UpdateAction) {
        *self.paths.entry(action.path().clone()).or_default() += 1;
        self.entries.push((sequence, action));
    }

    /// Keeps the entries `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(u64, &UpdateAction) -> bool) {
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

    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.paths.clear();
    }

    /// Whether some entry writes `path` or a path inside it. Paths inside `path` sort right after it.
    pub(super) fn writes_at_or_below(&self, path: &DocumentPath) -> bool {
        self.paths
            .range::<DocumentPath, _>((Bound::Included(path), Bound::Unbounded))
            .next()
            .is_some_and(|(written, _)| written.starts_with(path))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &(u64, UpdateAction)> {
        self.entries.iter()
    }
}
