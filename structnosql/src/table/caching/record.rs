//! What the cache holds for one record: what DynamoDB is known to hold, the pending writes, and the
//! view reads see.

use super::commit::{next_version, phases, Batch, Kinds, Phase};
use super::pending::PendingLog;
use super::shards::Sequence;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;

use super::knowledge::{Known, Lookup};
use super::packed::{Base, KeyAttributes, Whole};
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{normalize, UpdateAction};
use crate::model::{Item, ModelSchema};
use crate::path::{DocumentPath, Segment};
use crate::size;
use crate::table::read::projected_paths;
use crate::table::retry::rewrite;

/// What reads see while writes are pending.
#[derive(Debug)]
struct View {
    known: Known,
    /// At least the size of the record `known` shows whole, once measured: a write that keeps the
    /// bound under DynamoDB's limit is queued without measuring the whole record again.
    bytes_at_most: Option<usize>,
}

impl View {
    fn new(known: Known) -> Box<Self> {
        Box::new(Self {
            known,
            bytes_at_most: None,
        })
    }
}

/// What the cache holds for one record.
#[derive(Debug)]
pub(super) struct RecordCache {
    /// The record's key attributes.
    key: KeyAttributes,
    /// What DynamoDB holds, as far as known (packed while no write is pending).
    base: Base,
    /// `base` with the pending writes applied, while there are any: what reads see. Without pending
    /// writes reads see `base`, which is then not held twice.
    view: Option<Box<View>>,
    /// The writes not yet sent.
    pub(super) pending: PendingLog,
    /// The record's model, for the defaults of the maps a write creates.
    pub(super) model: &'static ModelSchema,
    /// When the record was last used, in the cache's own count of uses (for eviction).
    pub(super) last_used: u64,
    /// When `base` was last read from (or written whole to) DynamoDB, for the maximum age.
    learned_at: Instant,
}

impl RecordCache {
    pub(super) fn new(key_item: &Item, model: &'static ModelSchema) -> Self {
        Self {
            key: KeyAttributes::new(key_item),
            base: Base::new(Known::unknown()),
            view: None,
            pending: PendingLog::default(),
            model,
            last_used: 0,
            learned_at: Instant::now(),
        }
    }

    /// Notes that `base` was just read from DynamoDB (or written whole).
    pub(super) fn learned(&mut self) {
        self.learned_at = Instant::now();
    }

    /// Forgets what is known of the record when it was learned more than `max_age` ago and no write
    /// is pending (whose view must stay as queued).
    pub(super) fn expire(&mut self, max_age: Duration) {
        if self.pending.is_empty() && self.learned_at.elapsed() > max_age {
            self.set_base(Known::unknown());
            self.learned();
        }
    }

    /// What reads see at `path`.
    pub(super) fn lookup(&self, path: &DocumentPath) -> Lookup {
        match &self.view {
            Some(view) => view.known.lookup(path),
            None => self.base.lookup(path),
        }
    }

    /// What a read of the whole record sees.
    pub(super) fn whole(&self) -> Whole {
        match &self.view {
            Some(view) => Whole::of(&view.known),
            None => self.base.whole(),
        }
    }

    /// Whether reads see the record whole (without copying it out, as [`RecordCache::whole`] does).
    pub(super) fn shows_whole(&self) -> bool {
        match &self.view {
            Some(view) => matches!(view.known, Known::Value(_)),
            None => self.base.is_whole_record(),
        }
    }

    /// Whether reads see no record.
    pub(super) fn shows_absent(&self) -> bool {
        match &self.view {
            Some(view) => matches!(view.known, Known::Absent),
            None => self.base.is_absent(),
        }
    }

    /// Whether DynamoDB is known to hold the record, and what it holds is known whole.
    pub(super) fn stored_whole(&self) -> bool {
        self.base.is_whole_record()
    }

    /// Whether DynamoDB is known not to hold the record.
    pub(super) fn known_absent(&self) -> bool {
        self.base.is_absent()
    }

    /// Replaces what is known of what DynamoDB holds; reads see it with the pending writes.
    pub(super) fn set_base(&mut self, known: Known) {
        self.base = Base::new(known);
        self.rebuild_view();
    }

    /// Records writes DynamoDB has just applied in one request (after the pending writes).
    pub(super) fn applied_at_once(&mut self, actions: Vec<UpdateAction>) -> Result<()> {
        let base = self.base.known();
        for action in request_order(normalize(actions)?, base) {
            apply_known(base, self.model, &self.key, &action);
        }
        self.version_incremented();
        self.rebuild_view();
        Ok(())
    }

    /// Builds what reads see from `base` and the pending writes; packs `base` when none is pending.
    pub(super) fn rebuild_view(&mut self) {
        if self.pending.is_empty() {
            self.view = None;
            self.keep_key();
            self.base.pack();
            return;
        }
        let mut view = self.base.known().clone();
        for (_, action) in self.pending.iter() {
            apply_known(&mut view, self.model, &self.key, action);
        }
        self.show_next_version(&mut view);
        self.view = Some(View::new(view));
        self.keep_key();
    }

    /// Shows in `view` the version the commit of the pending writes stores: one more than the
    /// stored one, when that is known (a commit increments it once).
    pub(super) fn show_next_version(&self, view: &mut Known) {
        if matches!(view, Known::Absent) {
            return;
        }
        if let Some(next) = next_version(self.model, |path| self.base.lookup(path)) {
            view.apply(&next);
        }
    }

    /// A record known whole holds its key attributes, also when field writes created it.
    pub(super) fn keep_key(&mut self) {
        // Packed, `base` was kept whole when it was packed.
        let base = (!self.base.is_packed()).then(|| self.base.known());
        let mut key_item = None;
        let view = self.view.as_deref_mut().map(|view| &mut view.known);
        for known in base.into_iter().chain(view) {
            if let Known::Value(AttributeValue::M(item)) = known {
                if self.key.all_named_in(item) {
                    continue;
                }
                let key_item = key_item.get_or_insert_with(|| self.key.item());
                for (name, value) in key_item.iter() {
                    item.entry(name.clone()).or_insert_with(|| value.clone());
                }
            }
        }
    }

    /// Records what a read of `projected` returned (`None`: no record).
    pub(super) fn learn(&mut self, item: Option<&Item>, projected: &[DocumentPath]) {
        self.learned();
        let base = self.base.known();
        match item {
            None => *base = Known::Absent,
            Some(item) => {
                for path in projected {
                    base.learn(path, document::get(item, path).cloned());
                }
            }
        }
        self.rebuild_view();
    }

    /// Records that the writes of `batch` reached DynamoDB: they are no longer pending.
    pub(super) fn committed(&mut self, batch: &Batch) {
        let base = self.base.known();
        for action in &batch.actions {
            apply_known(base, self.model, &self.key, action);
        }
        if matches!(base, Known::Absent) && batch.phases.iter().any(|phase| phase.creates_record) {
            // Removes alone created the record, as the SETs they superseded would have.
            *base = Known::Value(AttributeValue::M(Item::new()));
        }
        self.version_incremented();
        let sent: HashSet<u64> = batch.sequences.iter().copied().collect();
        self.pending.retain(|sequence, _| !sent.contains(&sequence));
        if self.pending.is_empty() || self.model.version_field().is_some() {
            // Still pending writes go with the next commit, which increments the version again.
            self.rebuild_view();
        } else {
            self.keep_key();
        }
    }

    pub(super) fn last_sequence(&self) -> u64 {
        self.pending.last_sequence()
    }

    /// The record's key attributes.
    pub(super) fn key_item(&self) -> Item {
        self.key.item()
    }

    /// Forgets the pending writes up to `sequence` (a record-level write superseded them).
    pub(super) fn drop_pending_through(&mut self, sequence: u64) {
        self.pending.retain(|s, _| s > sequence);
    }

    /// Records that a write incremented the version (known: +1; not known: still not known).
    pub(super) fn version_incremented(&mut self) {
        if let Some(next) = next_version(self.model, |path| self.base.lookup(path)) {
            self.base.known().apply(&next);
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
    pub(super) fn queue_call(
        &mut self,
        sequence: &Sequence,
        actions: Vec<UpdateAction>,
        describe: impl FnOnce() -> String,
    ) -> Result<()> {
        let first_pending = self.pending.is_empty();
        if self.view.is_none() {
            self.view = Some(View::new(self.base.known().clone()));
        }
        let Some(View {
            known: view,
            bytes_at_most,
        }) = self.view.as_deref_mut()
        else {
            return Ok(());
        };
        let was_whole = matches!(view, Known::Value(_));
        // One write needs neither merging nor ordering.
        let ordered = if actions.len() == 1 {
            actions
        } else {
            request_order(normalize(actions)?, view)
        };
        let mut queued = Vec::with_capacity(ordered.len());
        let mut lists: Vec<DocumentPath> = Vec::new();
        for action in ordered {
            if matches!(&action, UpdateAction::Remove(path) if view.lookup(path) == Lookup::Hit(None))
            {
                // Removes nothing: DynamoDB would not be sent it either.
                continue;
            }
            let applied = apply_known(view, self.model, &self.key, &action);
            match (list_root(action.path()), applied) {
                (Some(root), _) if !lists.contains(&root) => lists.push(root),
                (Some(_), _) => {}
                (None, Some(rewritten)) => queued.extend(rewritten),
                (None, None) => queued.push(action),
            }
        }
        for root in lists {
            if let Lookup::Hit(Some(list)) = view.lookup(&root) {
                queued.push(UpdateAction::Set(root, list));
            }
        }
        if let Known::Value(AttributeValue::M(item)) = view {
            // Measuring the whole record takes as long as the record is big: it is done only
            // when the bound of what this call may have added does not keep it under the limit.
            let bound = bytes_at_most
                .filter(|_| was_whole)
                .map(|bound| bound + queued.iter().map(size::growth_at_most).sum::<usize>())
                .filter(|bound| *bound <= size::MAX_ITEM_BYTES);
            let bytes = bound.unwrap_or_else(|| size::item_bytes(item));
            *bytes_at_most = Some(bytes);
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
        // Writes below the top level of a record known whole leave its key attributes in place.
        let may_lose_key = !was_whole || queued.iter().any(|action| action.path().depth() == 1);
        for action in queued {
            self.push_pending(sequence.next(), action);
        }
        if first_pending && queues_any {
            if let Some(mut view) = self.view.take() {
                self.show_next_version(&mut view.known);
                // The version it shows is not in the bound.
                view.bytes_at_most = None;
                self.view = Some(view);
            }
        }
        if may_lose_key {
            self.keep_key();
        }
        Ok(())
    }

    /// Adds a write, already applied to the view, to the pending log.
    pub(super) fn push_pending(&mut self, sequence: u64, action: UpdateAction) {
        // A SET replaces every pending write at or below its path, side effects included (the
        // parents it creates are the same), so the log stays as long as the distinct paths
        // written. A REMOVE keeps them: a SET it supersedes may have created parents.
        match &action {
            UpdateAction::Set(path, _) if self.pending.writes_at_or_below(path) => {
                self.pending.push_replacing(sequence, action);
            }
            _ => self.pending.push(sequence, action),
        }
    }

    /// Takes the pending writes of `kinds` for a commit, merged and grouped (see [`phases`]); `None`
    /// when there are none. The log is replaced by its merged form, numbered from
    /// `sequence`, and the writes stay in it until [`RecordCache::committed`].
    pub(super) fn take_batch(
        &mut self,
        kinds: Kinds,
        record_defaults: bool,
        sequence: &Sequence,
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
        let grouped = match phases(log, self.base.known(), record_defaults) {
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
                    self.pending.push(sequence.next(), action.clone());
                }
                held_back = true;
                continue;
            }
            let mut selected = Vec::new();
            let mut phase_held_back = false;
            for action in phase.actions {
                let number = sequence.next();
                if !held_back && kinds.includes(&action) {
                    sequences.push(number);
                    selected.push(action.clone());
                } else {
                    phase_held_back = true;
                }
                self.pending.push(number, action);
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
            key_item: self.key_item(),
            sequences,
            actions: selected_phases
                .iter()
                .flat_map(|phase| phase.actions.iter().cloned())
                .collect(),
            phases: selected_phases,
            base: self.base.known().clone(),
        }))
    }

    /// The record's key attributes with what the view holds at `paths` (pending writes included),
    /// each list whole so that positions keep their meaning: what a read of those paths shows the
    /// caller.
    pub(super) fn shown(&self, paths: &[DocumentPath]) -> Item {
        let mut shown = AttributeValue::M(self.key_item());
        for path in &projected_paths(paths) {
            if let Lookup::Hit(Some(value)) = self.lookup(path) {
                document::set_within(&mut shown, path.segments(), value);
            }
        }
        match shown {
            AttributeValue::M(item) => item,
            _ => Item::new(),
        }
    }

    /// Whether the view knows every list that `actions` write at a position of.
    pub(super) fn knows_lists_of(&self, actions: &[UpdateAction]) -> bool {
        actions
            .iter()
            .filter_map(|action| list_root(action.path()))
            .all(|root| self.lookup(&root) != Lookup::Miss)
    }

    /// What `paths` hold in the view, as a fragment navigable by them (each list whole, so that
    /// positions keep their meaning), or `None` if the view does not know them all.
    pub(super) fn old_values(&self, paths: &[DocumentPath]) -> Option<Item> {
        let mut fragment = AttributeValue::M(Item::new());
        for path in projected_paths(paths) {
            match self.lookup(&path) {
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
pub(super) fn list_root(path: &DocumentPath) -> Option<DocumentPath> {
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

/// Applies `action` to what is known of the record `key` of `model`, the way DynamoDB ends up
/// storing it: a SET below a parent known to be missing also stores the defaults of every map level
/// it creates, and a SET to a record known not to exist the defaults of the record's fields (see
/// [`rewrite`]). Returns the writes that store that, when they differ from `action`: queued instead
/// of it, they make the commit store what the view shows.
pub(super) fn apply_known(
    known: &mut Known,
    model: &'static ModelSchema,
    key: &KeyAttributes,
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
                    creates_record.then(|| key.item()).as_ref(),
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
