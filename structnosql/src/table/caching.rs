//! [`CachingTable`]: reads are served from memory when the cache can answer, and field writes are
//! queued per record and sent at commit, one UpdateItem per record.
//!
//! The cache keeps, per record, what DynamoDB is known to hold (`base`: values read or committed, and
//! paths known to be absent) and the pending writes in the caller's order; reads see `base` with the
//! pending writes applied (`view`). An operation that must reach DynamoDB at once (a record-level
//! write, or a return-old / remove / delete whose old value is not cached) first commits that record's
//! pending writes, so DynamoDB sees the caller's order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use tracing::Instrument;

use super::api::Table;
use super::backend::{Backend, CacheHook, HookFuture, OldValues, PutCondition, Reads};
use super::core::TableCore;
use super::key::RecordKey;
use super::query::{query_page, Query, QueryMetadata};
use super::read::{get_paths, projected_paths};
use super::records;
use super::transact::{commit_atomically, RecordWrites};
use super::write::{
    apply, apply_with_knowledge, check_written_size, has_index, rewrite, ExpectedVersion,
};
use crate::cache::knowledge::{whole_record, Known, Lookup};
use crate::cache::stats::{CacheStats, Counters, RequestCounter};
use crate::cache::turns::{Turn, Turns};
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{normalize, Condition, UpdateAction};
use crate::model::{defaults, version, Item, ModelSchema, TableDataModel};
use crate::path::{DocumentPath, Segment};
use crate::size;

/// A table that serves reads from memory and queues field writes until commit.
pub type CachingTable<M, K = String> = Table<M, K, Cached>;

/// A record's writes not yet sent, in the caller's order, each with its sequence number, and an index
/// of their paths so that finding the writes at or below a path does not scan the log.
#[derive(Debug, Default)]
struct PendingLog {
    entries: Vec<(u64, UpdateAction)>,
    /// How many entries write each path.
    paths: BTreeMap<DocumentPath, usize>,
}

impl PendingLog {
    fn push(&mut self, sequence: u64, action: UpdateAction) {
        *self.paths.entry(action.path().clone()).or_default() += 1;
        self.entries.push((sequence, action));
    }

    /// Keeps the entries `keep` accepts.
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

    fn clear(&mut self) {
        self.entries.clear();
        self.paths.clear();
    }

    /// Whether some entry writes `path` or a path inside it. Paths inside `path` sort right after it.
    fn writes_at_or_below(&self, path: &DocumentPath) -> bool {
        self.paths
            .range::<DocumentPath, _>((Bound::Included(path), Bound::Unbounded))
            .next()
            .is_some_and(|(written, _)| written.starts_with(path))
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = &(u64, UpdateAction)> {
        self.entries.iter()
    }
}

/// What the cache holds for one record.
#[derive(Debug)]
struct RecordCache {
    key_item: Item,
    /// What DynamoDB holds, as far as known.
    base: Known,
    /// `base` with the pending writes applied, while there are any: what reads see. Without pending
    /// writes reads see `base`, which is then not held twice.
    view: Option<Known>,
    /// The writes not yet sent.
    pending: PendingLog,
    /// The record's model, for the defaults of the maps a write creates.
    model: &'static ModelSchema,
}

impl RecordCache {
    fn new(key_item: Item, model: &'static ModelSchema) -> Self {
        Self {
            key_item,
            base: Known::unknown(),
            view: None,
            pending: PendingLog::default(),
            model,
        }
    }

    /// What reads see.
    fn view(&self) -> &Known {
        self.view.as_ref().unwrap_or(&self.base)
    }

    fn rebuild_view(&mut self) {
        self.view = (!self.pending.is_empty()).then(|| {
            let mut view = self.base.clone();
            for (_, action) in self.pending.iter() {
                apply_known(&mut view, self.model, &self.key_item, action);
            }
            self.show_next_version(&mut view);
            view
        });
        self.keep_key();
    }

    /// Shows in `view` the version the commit of the pending writes stores: one more than the
    /// stored one, when that is known (a commit increments it once).
    fn show_next_version(&self, view: &mut Known) {
        if matches!(view, Known::Absent) {
            return;
        }
        if let Some(next) = next_version(self.model, &self.base) {
            view.apply(&next);
        }
    }

    /// A record known whole holds its key attributes, also when field writes created it.
    fn keep_key(&mut self) {
        for known in std::iter::once(&mut self.base).chain(self.view.as_mut()) {
            if let Known::Value(AttributeValue::M(item)) = known {
                for (name, value) in &self.key_item {
                    item.entry(name.clone()).or_insert_with(|| value.clone());
                }
            }
        }
    }

    /// Records what a read of `projected` returned (`None`: no record).
    fn learn(&mut self, item: Option<&Item>, projected: &[DocumentPath]) {
        match item {
            None => self.base = Known::Absent,
            Some(item) => {
                for path in projected {
                    self.base.learn(path, document::get(item, path).cloned());
                }
            }
        }
        self.rebuild_view();
    }

    /// Records that the writes of `batch` reached DynamoDB: they are no longer pending.
    fn committed(&mut self, batch: &Batch) {
        for action in &batch.actions {
            apply_known(&mut self.base, self.model, &self.key_item, action);
        }
        if matches!(self.base, Known::Absent)
            && batch.phases.iter().any(|phase| phase.creates_record)
        {
            // Removes alone created the record, as the SETs they superseded would have.
            self.base = Known::Value(AttributeValue::M(Item::new()));
        }
        self.version_incremented();
        let sent: HashSet<u64> = batch.sequences.iter().copied().collect();
        self.pending.retain(|sequence, _| !sent.contains(&sequence));
        if self.pending.is_empty() {
            self.view = None;
        } else if self.model.version_field().is_some() {
            // The writes still pending go with the next commit, which increments the version again.
            self.rebuild_view();
        }
        self.keep_key();
    }

    fn last_sequence(&self) -> u64 {
        self.pending
            .entries
            .last()
            .map_or(0, |(sequence, _)| *sequence)
    }

    /// Forgets the pending writes up to `sequence` (a record-level write superseded them).
    fn drop_pending_through(&mut self, sequence: u64) {
        self.pending.retain(|s, _| s > sequence);
    }

    /// Records that a write incremented the version (known: +1; not known: still not known).
    fn version_incremented(&mut self) {
        if let Some(next) = next_version(self.model, &self.base) {
            self.base.apply(&next);
        }
    }

    /// Queues the writes of one call, applying them to what reads see the way DynamoDB applies one
    /// request (see [`request_order`]). A write at a list position is queued as a SET of the whole
    /// list as the view now shows it: positions shift under removes and appends, so only the list's
    /// value means the same thing at commit as when the caller wrote it. The caller has made sure the
    /// view knows every such list ([`list_root`]).
    ///
    /// A call that would make a record known whole larger than DynamoDB's 400 KB is refused and
    /// leaves nothing queued, as DynamoDB would refuse it at commit (and every commit after).
    fn queue_call(
        &mut self,
        next_sequence: &mut u64,
        actions: Vec<UpdateAction>,
        describe: impl FnOnce() -> String,
    ) -> Result<()> {
        let first_pending = self.pending.is_empty();
        let view = self.view.get_or_insert_with(|| self.base.clone());
        // One write needs neither merging nor ordering.
        let ordered = if actions.len() == 1 {
            actions
        } else {
            request_order(normalize(actions)?, view)
        };
        let mut queued = Vec::with_capacity(ordered.len());
        let mut lists: Vec<DocumentPath> = Vec::new();
        for action in &ordered {
            if matches!(action, UpdateAction::Remove(path) if view.lookup(path) == Lookup::Hit(None))
            {
                // Removes nothing: DynamoDB would not be sent it either.
                continue;
            }
            let applied = apply_known(view, self.model, &self.key_item, action);
            match (list_root(action.path()), applied) {
                (Some(root), _) if !lists.contains(&root) => lists.push(root),
                (Some(_), _) => {}
                (None, Some(rewritten)) => queued.extend(rewritten),
                (None, None) => queued.push(action.clone()),
            }
        }
        for root in lists {
            if let Lookup::Hit(Some(list)) = view.lookup(&root) {
                queued.push(UpdateAction::Set(root, list));
            }
        }
        if let Known::Value(AttributeValue::M(item)) = view {
            let bytes = size::item_bytes(item);
            if bytes > size::MAX_ITEM_BYTES {
                // Nothing was queued yet: the view is what base and the log make it again.
                self.rebuild_view();
                return Err(Error::TooLarge {
                    what: format!("{} with the pending writes", describe()),
                    bytes,
                    limit: "400 KB per item",
                });
            }
        }
        let queues_any = !queued.is_empty();
        for action in queued {
            *next_sequence += 1;
            self.push_pending(*next_sequence, action);
        }
        if first_pending && queues_any {
            if let Some(mut view) = self.view.take() {
                self.show_next_version(&mut view);
                self.view = Some(view);
            }
        }
        self.keep_key();
        Ok(())
    }

    /// Adds a write, already applied to the view, to the pending log.
    fn push_pending(&mut self, sequence: u64, action: UpdateAction) {
        // A SET replaces every pending write at or below its path, side effects included (the
        // parents it creates are the same), so the log stays as long as the distinct paths
        // written. A REMOVE keeps them: a SET it supersedes may have created parents.
        if let UpdateAction::Set(path, _) = &action {
            if self.pending.writes_at_or_below(path) {
                self.pending
                    .retain(|_, earlier| !earlier.path().starts_with(path));
            }
        }
        self.pending.push(sequence, action);
    }

    /// Takes the pending writes of `kinds` for a commit, merged and grouped (see [`phases`]); `None`
    /// when there are none. The log is replaced by its merged form, numbered from
    /// `next_sequence`, and the writes stay in it until [`RecordCache::committed`].
    fn take_batch(
        &mut self,
        kinds: Kinds,
        record_defaults: bool,
        next_sequence: &mut u64,
    ) -> Option<Result<Batch>> {
        if self.pending.is_empty() {
            return None;
        }
        // Compact the log first: DynamoDB must not see overlapping paths, and the kinds can be told
        // apart only once overlapping writes are merged.
        let log = self
            .pending
            .iter()
            .map(|(_, action)| action.clone())
            .collect();
        let grouped = match phases(log, &self.base, record_defaults) {
            Ok(grouped) => grouped,
            Err(error) => return Some(Err(error)),
        };
        let mut selected_phases = Vec::with_capacity(grouped.len());
        let mut sequences = Vec::new();
        self.pending.clear();
        // Writes of one group never overlap, so any of them can go alone; but once a write is held
        // back, the later groups wait for it, or they would overtake it.
        let mut held_back = false;
        for phase in grouped {
            let take = |action: &UpdateAction| !held_back && kinds.includes(action);
            if let (Some(unmerged), false) = (&phase.unmerged, phase.actions.iter().any(take)) {
                // Held back whole: pending as written, so that a later commit still knows the
                // writes create the record.
                for action in unmerged {
                    *next_sequence += 1;
                    self.pending.push(*next_sequence, action.clone());
                }
                held_back = true;
                continue;
            }
            let mut selected = Vec::new();
            let mut phase_held_back = false;
            for action in phase.actions {
                *next_sequence += 1;
                if !held_back && kinds.includes(&action) {
                    sequences.push(*next_sequence);
                    selected.push(action.clone());
                } else {
                    phase_held_back = true;
                }
                self.pending.push(*next_sequence, action);
            }
            held_back |= phase_held_back;
            if !selected.is_empty() {
                selected_phases.push(Phase {
                    actions: selected,
                    creates_record: phase.creates_record,
                    unmerged: None,
                });
            }
        }
        if selected_phases.is_empty() {
            return None;
        }
        Some(Ok(Batch {
            key_item: self.key_item.clone(),
            sequences,
            actions: selected_phases
                .iter()
                .flat_map(|phase| phase.actions.iter().cloned())
                .collect(),
            phases: selected_phases,
            base: self.base.clone(),
        }))
    }

    /// Whether the view knows every list that `actions` write at a position of.
    fn knows_lists_of(&self, actions: &[UpdateAction]) -> bool {
        actions
            .iter()
            .filter_map(|action| list_root(action.path()))
            .all(|root| self.view().lookup(&root) != Lookup::Miss)
    }

    /// What `paths` hold in the view, as a fragment navigable by them (each list whole, so that
    /// positions keep their meaning), or `None` if the view does not know them all.
    fn old_values(&self, paths: &[DocumentPath]) -> Option<Item> {
        let mut fragment = AttributeValue::M(Item::new());
        for path in projected_paths(paths) {
            match self.view().lookup(&path) {
                Lookup::Hit(Some(value)) => {
                    document::set_within(&mut fragment, path.segments(), value);
                }
                Lookup::Hit(None) => {}
                Lookup::Miss => return None,
            }
        }
        match fragment {
            AttributeValue::M(item) => Some(item),
            _ => None,
        }
    }
}

/// The list a path writes a position of: its part before the first index (`cards[0].title` →
/// `cards`), or `None` for a path without positions.
fn list_root(path: &DocumentPath) -> Option<DocumentPath> {
    path.segments()
        .iter()
        .position(|segment| matches!(segment, Segment::Index(_)))
        .map(|cut| path.prefix(cut))
}

/// One request's writes (merged, so no two overlap) in an order whose one-by-one application gives
/// what DynamoDB gives by evaluating them all against the item as it was before the request: the SETs
/// first (a SET at a position replaces that element, or appends past the end), then the REMOVEs of
/// what was there before the request, the last positions of a list first, so that no removal shifts
/// the element another one targets.
pub(crate) fn request_order(actions: Vec<UpdateAction>, before: &Known) -> Vec<UpdateAction> {
    let (mut removes, mut ordered): (Vec<UpdateAction>, Vec<UpdateAction>) = actions
        .into_iter()
        .partition(|action| matches!(action, UpdateAction::Remove(_)));
    removes.retain(|remove| before.lookup(remove.path()) != Lookup::Hit(None));
    removes.sort_by(|a, b| b.path().cmp(a.path()));
    ordered.extend(removes);
    ordered
}

/// Applies `action` to what is known of the record `key_item` of `model`, the way DynamoDB ends up
/// storing it: a SET below a parent known to be missing also stores the defaults of every map level
/// it creates, and a SET to a record known not to exist the defaults of the record's fields (see
/// [`rewrite`]). Returns the writes that store that, when they differ from `action`: queued instead
/// of it, they make the commit store what the view shows.
fn apply_known(
    known: &mut Known,
    model: &'static ModelSchema,
    key_item: &Item,
    action: &UpdateAction,
) -> Option<Vec<UpdateAction>> {
    if let UpdateAction::Set(path, _) = action {
        let creates_record = matches!(known, Known::Absent);
        let existing = known
            .existing_depth(path)
            .or_else(|| known.missing_below(path));
        if let Some(existing) = existing {
            if existing + 1 < path.depth() || creates_record {
                let (rewritten, _) = rewrite(
                    model,
                    vec![action.clone()],
                    &|_: &DocumentPath| Some(existing),
                    &|_: &DocumentPath| None,
                    creates_record.then_some(key_item),
                );
                for action in &rewritten {
                    known.apply(action);
                }
                return Some(rewritten);
            }
        }
    }
    known.apply(action);
    None
}

#[derive(Debug, Default)]
struct CacheState {
    records: HashMap<String, RecordCache>,
    next_sequence: u64,
}

impl CacheState {
    fn record(&mut self, core: &TableCore, key_item: &Item) -> &mut RecordCache {
        self.records
            .entry(cache_key(core, key_item))
            .or_insert_with(|| RecordCache::new(key_item.clone(), core.model))
    }

    /// Queues the writes of one call to the record `key_item`.
    fn queue(
        &mut self,
        core: &TableCore,
        key_item: &Item,
        actions: Vec<UpdateAction>,
    ) -> Result<()> {
        check_written_size(core, key_item, &actions)?;
        let record = self
            .records
            .entry(cache_key(core, key_item))
            .or_insert_with(|| RecordCache::new(key_item.clone(), core.model));
        record.queue_call(&mut self.next_sequence, actions, || {
            core.describe_record(key_item)
        })
    }
}

/// A key's cache entry name: its key values with their types.
fn cache_key(core: &TableCore, key_item: &Item) -> String {
    let mut key = String::new();
    for name in std::iter::once(&core.primary_index.hash_key).chain(&core.primary_index.sort_key) {
        match key_item.get(name) {
            Some(AttributeValue::S(text)) => key.push_str(&format!("S{}:{text}", text.len())),
            Some(AttributeValue::N(number)) => key.push_str(&format!("N{}:{number}", number.len())),
            Some(AttributeValue::B(bytes)) => {
                key.push_str(&format!("B{}:{:?}", bytes.as_ref().len(), bytes.as_ref()))
            }
            other => key.push_str(&format!("?{other:?}")),
        }
    }
    key
}

/// Which pending writes a commit sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kinds {
    All,
    Updates,
    Removes,
}

impl Kinds {
    fn includes(self, action: &UpdateAction) -> bool {
        matches!(
            (self, action),
            (Kinds::All, _)
                | (Kinds::Updates, UpdateAction::Set(..))
                | (Kinds::Removes, UpdateAction::Remove(_))
        )
    }
}

/// The caching backend.
#[derive(Debug)]
pub struct Cached {
    core: TableCore,
    state: Mutex<CacheState>,
    /// The order in which each record's requests are sent.
    turns: Turns,
    counters: Counters,
}

/// The result of a commit: which records were written and which failed, with why. The writes of the
/// failed records stay pending, so another commit retries them.
#[derive(Debug)]
pub struct CommitReport<K> {
    /// The records whose pending writes were all applied.
    pub committed: Vec<K>,
    /// The records whose writes failed, with the error; their writes are still pending.
    pub failed: Vec<(K, Error)>,
}

impl<K> CommitReport<K> {
    /// Whether every record was committed.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A record's writes taken for a commit.
struct Batch {
    key_item: Item,
    sequences: Vec<u64>,
    /// Every write, in order.
    actions: Vec<UpdateAction>,
    /// The writes grouped into the requests they need, sent in order (usually one group).
    phases: Vec<Phase>,
    base: Known,
}

/// Groups a record's writes into as few ordered groups as keep the caller's order observable. Normally
/// one: overlapping writes merge. A REMOVE that supersedes an earlier SET normally drops that SET,
/// but the SET may also have created the record or parent maps that outlive the REMOVE; unless the
/// cache knows they already exist, the SET is sent first, in a group of its own.
fn phases(actions: Vec<UpdateAction>, base: &Known, record_defaults: bool) -> Result<Vec<Phase>> {
    let mut known = base.clone();
    let mut phases = Vec::new();
    let mut current: Vec<UpdateAction> = Vec::new();
    for action in actions {
        if let UpdateAction::Remove(path) = &action {
            let supersedes_a_set = current.iter().any(
                |earlier| matches!(earlier, UpdateAction::Set(set, _) if set.starts_with(path)),
            );
            if supersedes_a_set && !parents_known_to_exist(&known, path, record_defaults) {
                let phase = Phase::new(std::mem::take(&mut current))?;
                for earlier in &phase.actions {
                    known.apply(earlier);
                }
                phases.push(phase);
            }
        }
        current.push(action);
    }
    phases.push(Phase::new(current)?);
    phases.retain(|phase| !phase.actions.is_empty());
    Ok(phases)
}

/// Writes sent together, merged.
#[derive(Debug, Clone)]
struct Phase {
    actions: Vec<UpdateAction>,
    /// Whether the caller's writes create the record even if merging left only removes (so the
    /// request must not be conditioned on the record existing).
    creates_record: bool,
    /// The writes before merging, when the merged ones lose that they create the record (only
    /// removes left): a commit that holds them all back keeps these pending instead.
    unmerged: Option<Vec<UpdateAction>>,
}

impl Phase {
    fn new(raw: Vec<UpdateAction>) -> Result<Self> {
        let creates_record = raw
            .iter()
            .any(|action| matches!(action, UpdateAction::Set(..)));
        // Only a REMOVE can supersede every SET.
        let unmerged = (creates_record
            && raw
                .iter()
                .any(|action| matches!(action, UpdateAction::Remove(_))))
        .then(|| raw.clone());
        let actions = normalize(raw)?;
        let only_removes = !actions
            .iter()
            .any(|action| matches!(action, UpdateAction::Set(..)));
        Ok(Self {
            unmerged: unmerged.filter(|_| only_removes),
            actions,
            creates_record,
        })
    }
}

/// Sends one record's groups of writes in order, each with what is known after the previous ones.
async fn commit_record(core: &TableCore, batch: &Batch) -> Result<()> {
    let mut known = batch.base.clone();
    // The version is checked against what the cache knows of it, and incremented, once per commit.
    let mut version = Some(expected_version(core, &known));
    for phase in &batch.phases {
        let base = &known;
        apply_with_knowledge(
            core,
            &batch.key_item,
            phase.actions.clone(),
            |path| base.existing_depth(path),
            presence(core, base, phase.creates_record),
            phase.creates_record,
            version.take(),
        )
        .await?;
        for action in &phase.actions {
            known.apply(action);
        }
    }
    Ok(())
}

/// Whether a value is known to be stored at a path, for dropping removes that would find nothing.
/// `None` for every path (nothing dropped) when the removes must be sent: when the request must
/// create the record (a SET they superseded would have), or when the model is versioned (a commit
/// of pending writes increments the version, as reads showed, even if they change nothing else).
fn presence<'a>(
    core: &TableCore,
    base: &'a Known,
    creates_record: bool,
) -> impl Fn(&DocumentPath) -> Option<bool> + 'a {
    let keep_removes =
        (creates_record && !base.known_to_exist()) || core.model.version_field().is_some();
    move |path| match base.lookup(path) {
        Lookup::Hit(value) if !keep_removes => Some(value.is_some()),
        _ => None,
    }
}

/// What a commit expects of the record's version: what the cache knows DynamoDB holds.
fn expected_version(core: &TableCore, known: &Known) -> ExpectedVersion {
    let Some(name) = core.model.version_field() else {
        return ExpectedVersion::Any;
    };
    match known.lookup(&version_path(name)) {
        Lookup::Hit(Some(value)) => ExpectedVersion::Is(value),
        Lookup::Hit(None) => ExpectedVersion::Absent,
        Lookup::Miss => ExpectedVersion::Any,
    }
}

/// The write of the version that follows the one `known` holds, for a versioned `model` whose
/// stored version is known.
fn next_version(model: &ModelSchema, known: &Known) -> Option<UpdateAction> {
    let path = version_path(model.version_field()?);
    match known.lookup(&path) {
        Lookup::Hit(current) => version::next(current.as_ref())
            .ok()
            .map(|next| UpdateAction::Set(path, next)),
        Lookup::Miss => None,
    }
}

/// The path of the version attribute.
fn version_path(name: &str) -> DocumentPath {
    DocumentPath::from_segments(vec![crate::path::Segment::Key(name.into())])
}

/// Whether the ancestors of `path` inside the record are known to exist. A top-level attribute has
/// only the record: an unconditioned request creates it as the superseded SET would have (see
/// [`Phase::creates_record`]), unless the record's fields have defaults, which only the SET's own
/// request stores.
fn parents_known_to_exist(known: &Known, path: &DocumentPath, record_defaults: bool) -> bool {
    if path.depth() <= 1 {
        return !record_defaults || known.known_to_exist();
    }
    known
        .existing_depth(path)
        .is_some_and(|depth| depth + 1 >= path.depth())
}

impl Cached {
    fn state(&self) -> MutexGuard<'_, CacheState> {
        // A panic while the lock was held cannot leave the cache half-updated in a way that matters
        // more than losing it, so a poisoned lock is taken over.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a turn for every record with pending writes that `select` accepts, all in one step, so
    /// that the turns of any two commits are in the same order on every record.
    fn take_turns(&self, select: impl Fn(&str, &RecordCache) -> bool) -> Vec<(String, Turn)> {
        let state = self.state();
        state
            .records
            .iter()
            .filter(|(key, record)| !record.pending.is_empty() && select(key, record))
            .map(|(key, _)| (key.clone(), self.turns.take(key)))
            .collect()
    }

    /// Takes the record's pending writes of `kinds`, merged and grouped, for a commit; `None` when
    /// there are none. They stay pending until the commit succeeds.
    fn take_batch(&self, key: &str, kinds: Kinds) -> Option<(Item, Result<Batch>)> {
        let mut guard = self.state();
        let state = &mut *guard;
        let record = state.records.get_mut(key)?;
        let batch = record.take_batch(
            kinds,
            defaults::record_has_defaults(self.core.model),
            &mut state.next_sequence,
        )?;
        Some((record.key_item.clone(), batch))
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
            if let Some(record) = self.state().records.get_mut(key) {
                record.committed(&batch);
            }
        }
        Some((key_item, outcome))
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
        self.turns.prune();
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

    /// Takes the record's turn and waits for it: a request sent while it is held comes after every
    /// earlier request of the record.
    async fn wait_turn(&self, key_item: &Item) -> Turn {
        let turn = self.turns.take(&cache_key(&self.core, key_item));
        turn.wait().await;
        turn
    }

    /// Takes the record's turn and, once it comes, sends the record's pending writes: an operation
    /// sent at once while the returned turn is held comes after them, and after every earlier
    /// request of the record.
    async fn send_pending_first(&self, key_item: &Item) -> Result<Turn> {
        let key = cache_key(&self.core, key_item);
        let turn = self.wait_turn(key_item).await;
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
    async fn learn_lists(&self, key_item: &Item, actions: &[UpdateAction]) -> Result<()> {
        if !actions.iter().any(|action| has_index(action.path())) {
            return Ok(());
        }
        let unknown: Vec<DocumentPath> = {
            let mut state = self.state();
            let record = state.record(&self.core, key_item);
            let mut unknown: Vec<DocumentPath> = Vec::new();
            for root in actions.iter().filter_map(|a| list_root(a.path())) {
                if record.view().lookup(&root) == Lookup::Miss && !unknown.contains(&root) {
                    unknown.push(root);
                }
            }
            unknown
        };
        if unknown.is_empty() {
            return Ok(());
        }
        self.counters.miss(unknown.len());
        let item = get_paths(&self.core, key_item, &unknown).await?;
        let mut state = self.state();
        state
            .record(&self.core, key_item)
            .learn(item.as_ref(), &projected_paths(&unknown));
        Ok(())
    }

    /// Values at `paths` if the cache knows them all, else the paths it does not know.
    fn cached_values(
        &self,
        key_item: &Item,
        paths: &[DocumentPath],
    ) -> std::result::Result<Vec<Option<AttributeValue>>, Vec<DocumentPath>> {
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        let mut values = Vec::with_capacity(paths.len());
        let mut missing = Vec::new();
        for path in paths {
            match record.view().lookup(path) {
                Lookup::Hit(value) => values.push(value),
                Lookup::Miss => missing.push(path.clone()),
            }
        }
        if missing.is_empty() {
            Ok(values)
        } else {
            Err(missing)
        }
    }
}

impl Backend for Cached {
    fn cache_hook(self: &std::sync::Arc<Self>) -> std::sync::Arc<dyn CacheHook> {
        std::sync::Arc::clone(self) as std::sync::Arc<dyn CacheHook>
    }

    fn new(mut core: TableCore) -> Self {
        let counters = Counters::default();
        let config = core
            .client
            .config()
            .to_builder()
            .interceptor(RequestCounter(std::sync::Arc::clone(&counters.requests)))
            .build();
        core.client = aws_sdk_dynamodb::Client::from_conf(config);
        Self {
            core,
            state: Mutex::new(CacheState::default()),
            turns: Turns::default(),
            counters,
        }
    }

    fn core(&self) -> &TableCore {
        &self.core
    }

    async fn read(&self, key_item: &Item, paths: &[DocumentPath]) -> Result<Reads> {
        // One look at the cache answers a hit; only the paths it does not know are fetched.
        let missing: Vec<DocumentPath> = match self.cached_values(key_item, paths) {
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
        let item = get_paths(&self.core, key_item, &missing).await?;
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        record.learn(item.as_ref(), &projected_paths(&missing));
        let values = paths
            .iter()
            .map(|path| match record.view().lookup(path) {
                Lookup::Hit(value) => value,
                Lookup::Miss => None,
            })
            .collect();
        Ok(Reads {
            values,
            from_cache: false,
        })
    }

    async fn read_record(&self, key_item: &Item) -> Result<Option<Item>> {
        {
            let mut state = self.state();
            let record = state.record(&self.core, key_item);
            match record.view() {
                Known::Value(AttributeValue::M(item)) => {
                    self.counters.hit(1);
                    return Ok(Some(item.clone()));
                }
                Known::Absent => {
                    self.counters.hit(1);
                    return Ok(None);
                }
                _ => {}
            }
        }
        self.counters.miss(1);
        let item = get_paths(&self.core, key_item, &[]).await?;
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        record.base = whole_record(item);
        record.rebuild_view();
        Ok(match record.view() {
            Known::Value(AttributeValue::M(item)) => Some(item.clone()),
            _ => None,
        })
    }

    async fn write(
        &self,
        key_item: &Item,
        actions: Vec<UpdateAction>,
        old: OldValues,
        condition: Option<&Condition>,
    ) -> Result<Item> {
        // A conditional write is checked by DynamoDB when it is made: it cannot wait for a commit.
        if condition.is_none() {
            self.learn_lists(key_item, &actions).await?;
            let paths: Vec<DocumentPath> = match old {
                OldValues::Skip => Vec::new(),
                OldValues::Fetch => actions.iter().map(|a| a.path().clone()).collect(),
            };
            let mut state = self.state();
            let record = state.record(&self.core, key_item);
            if record.knows_lists_of(&actions) {
                if let Some(fragment) = record.old_values(&paths) {
                    state.queue(&self.core, key_item, actions)?;
                    return Ok(fragment);
                }
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
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        for action in request_order(normalize(actions)?, &record.base) {
            apply_known(&mut record.base, record.model, &record.key_item, &action);
        }
        record.version_incremented();
        record.rebuild_view();
        Ok(old)
    }

    async fn put(&self, key_item: &Item, item: Item, condition: PutCondition<'_>) -> Result<bool> {
        // A condition (a version check included) is checked against what DynamoDB holds, which
        // must include the writes queued before.
        let _turn = if !matches!(condition, PutCondition::None)
            || self.core.model.version_field().is_some()
        {
            self.send_pending_first(key_item).await?
        } else {
            self.wait_turn(key_item).await
        };
        let superseded = self.state().record(&self.core, key_item).last_sequence();
        let written = records::put_keeping(&self.core, key_item, item, condition).await?;
        if let Some(item) = &written {
            let mut state = self.state();
            let record = state.record(&self.core, key_item);
            record.base = Known::Value(AttributeValue::M(item.clone()));
            record.drop_pending_through(superseded);
            record.rebuild_view();
        }
        Ok(written.is_some())
    }

    async fn delete_record(&self, key_item: &Item, condition: Option<&Condition>) -> Result<bool> {
        let _turn = self.send_pending_first(key_item).await?;
        let existed = records::delete(&self.core, key_item, condition).await?;
        self.forget_record_contents(key_item);
        Ok(existed)
    }

    async fn remove_record(&self, key_item: &Item) -> Result<Option<Item>> {
        let _turn = self.send_pending_first(key_item).await?;
        let removed = records::remove(&self.core, key_item).await?;
        self.forget_record_contents(key_item);
        Ok(removed)
    }

    async fn commit_before_reading(&self, hash: Option<&AttributeValue>) -> Result<()> {
        let hash_key = &self.core.primary_index.hash_key;
        let (_, mut failed) = self
            .commit(Kinds::All, |_, record| {
                hash.is_none_or(|hash| record.key_item.get(hash_key) == Some(hash))
            })
            .await;
        failed.pop().map_or(Ok(()), |(_, error)| Err(error))
    }

    async fn query(
        &self,
        query: &Query,
        paths: &[DocumentPath],
    ) -> Result<(Vec<Item>, QueryMetadata)> {
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
        let mut state = self.state();
        let seen = items
            .into_iter()
            .map(|item| {
                let key_item: Item = std::iter::once(&self.core.primary_index.hash_key)
                    .chain(&self.core.primary_index.sort_key)
                    .filter_map(|name| item.get(name).map(|value| (name.clone(), value.clone())))
                    .collect();
                let record = state.record(&self.core, &key_item);
                record.learn(Some(&item), &projected);
                // What the caller sees includes its own pending writes.
                let mut seen = AttributeValue::M(key_item);
                for path in paths {
                    if let Lookup::Hit(Some(value)) = record.view().lookup(path) {
                        document::set_within(&mut seen, path.segments(), value);
                    }
                }
                match seen {
                    AttributeValue::M(item) => item,
                    _ => Item::new(),
                }
            })
            .collect();
        Ok((seen, metadata))
    }

    fn learn_records(
        &self,
        records: Vec<(Item, Option<Item>)>,
        learned: super::batch::Learned<'_>,
    ) -> Vec<Option<Item>> {
        use super::batch::Learned;
        let mut state = self.state();
        records
            .into_iter()
            .map(|(key_item, item)| {
                let record = state.record(&self.core, &key_item);
                match learned {
                    Learned::Paths(projected) => {
                        let exists = item.is_some();
                        record.learn(item.as_ref(), projected);
                        if !exists && matches!(record.view(), Known::Absent) {
                            return None;
                        }
                        // What the caller sees includes its own pending writes.
                        let mut seen = AttributeValue::M(key_item);
                        for path in projected {
                            if let Lookup::Hit(Some(value)) = record.view().lookup(path) {
                                document::set_within(&mut seen, path.segments(), value);
                            }
                        }
                        match seen {
                            AttributeValue::M(item) => Some(item),
                            _ => None,
                        }
                    }
                    Learned::Records => {
                        record.base = whole_record(item);
                        record.rebuild_view();
                        match record.view() {
                            Known::Value(AttributeValue::M(item)) => Some(item.clone()),
                            _ => None,
                        }
                    }
                    Learned::Written => {
                        // A record-level write supersedes the pending writes, as `put` does.
                        record.base = whole_record(item.clone());
                        record.pending.clear();
                        record.rebuild_view();
                        item
                    }
                    Learned::Uncertain => {
                        record.base = Known::unknown();
                        record.rebuild_view();
                        item
                    }
                }
            })
            .collect()
    }
}

impl Cached {
    /// After a record-level delete: the record is known absent.
    fn forget_record_contents(&self, key_item: &Item) {
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        record.base = Known::Absent;
        record.rebuild_view();
    }
}

impl CacheHook for Cached {
    fn flush<'a>(&'a self, key_item: &'a Item) -> HookFuture<'a> {
        Box::pin(Cached::flush(self, key_item))
    }

    fn forget(&self, key_item: &Item) {
        let mut state = self.state();
        let record = state.record(&self.core, key_item);
        record.base = Known::unknown();
        record.rebuild_view();
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
        let mut state = self.backend.state();
        let mut committed = Vec::with_capacity(batches.len());
        for batch in batches {
            state.record(core, &batch.key_item).committed(&batch);
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
        self.backend.state().records.values().any(|record| {
            record
                .pending
                .iter()
                .any(|(_, action)| kinds.includes(action))
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
        let mut state = self.backend.state();
        for record in state.records.values_mut() {
            record.pending.retain(|_, action| !kinds.includes(action));
            record.rebuild_view();
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
        let mut state = self.backend.state();
        for record in state.records.values_mut() {
            record.base = Known::unknown();
            record.rebuild_view();
        }
        state.records.retain(|_, record| !record.pending.is_empty());
    }

    /// Forgets what was read of one record; its pending writes are kept.
    pub fn clear_cached_data_for_record(&self, key: impl Into<K>) -> Result<()> {
        let key_item = self.backend.core().key_item(&key.into())?;
        let key = cache_key(self.backend.core(), &key_item);
        let mut state = self.backend.state();
        if let Some(record) = state.records.get_mut(&key) {
            record.base = Known::unknown();
            record.rebuild_view();
            if record.pending.is_empty() {
                state.records.remove(&key);
            }
        }
        Ok(())
    }

    /// Forgets everything: what was read and every pending write.
    pub fn clear_cached_data_and_pending_operations(&self) {
        self.backend.state().records.clear();
    }

    /// Requests sent, cache hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        self.backend.counters.snapshot()
    }
}
