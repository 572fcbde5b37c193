//! Committing one record's pending writes: the batch taken from the log, its phases, the request.

use super::knowledge::{Known, Lookup};
use crate::error::{Error, Result};
use crate::expr::{normalize, UpdateAction};
use crate::model::{version, Item, ModelSchema};
use crate::path::DocumentPath;
use crate::table::core::TableCore;
use crate::table::retry::ExpectedVersion;
use crate::table::write::apply_with_knowledge;

/// Which pending writes a commit sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kinds {
    All,
    Updates,
    Removes,
}

impl Kinds {
    pub(super) fn includes(self, action: &UpdateAction) -> bool {
        matches!(
            (self, action),
            (Kinds::All, _)
                | (Kinds::Updates, UpdateAction::Set(..))
                | (Kinds::Removes, UpdateAction::Remove(_))
        )
    }
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
pub(super) struct Batch {
    pub(super) key_item: Item,
    pub(super) sequences: Vec<u64>,
    /// Every write, in order.
    pub(super) actions: Vec<UpdateAction>,
    /// The writes grouped into the requests they need, sent in order (usually one group).
    pub(super) phases: Vec<Phase>,
    pub(super) base: Known,
}

/// Groups a record's writes into as few ordered groups as keep the caller's order observable. Normally
/// one: overlapping writes merge. A REMOVE that supersedes an earlier SET normally drops that SET,
/// but the SET may also have created the record or parent maps that outlive the REMOVE; unless the
/// cache knows they already exist, the SET is sent first, in a group of its own.
pub(super) fn phases(
    actions: Vec<UpdateAction>,
    base: &Known,
    record_defaults: bool,
) -> Result<Vec<Phase>> {
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
pub(super) struct Phase {
    pub(super) actions: Vec<UpdateAction>,
    /// Whether the caller's writes create the record even if merging left only removes (so the
    /// request must not be conditioned on the record existing).
    pub(super) creates_record: bool,
    /// The writes before merging, when the merged ones lose that they create the record (only
    /// removes left): a commit that holds them all back keeps these pending instead.
    pub(super) unmerged: Option<Vec<UpdateAction>>,
}

impl Phase {
    pub(super) fn new(raw: Vec<UpdateAction>) -> Result<Self> {
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
pub(super) async fn commit_record(core: &TableCore, batch: &Batch) -> Result<()> {
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
            None,
        )
        .await?;
        for action in &phase.actions {
            known.apply(action);
        }
    }
    Ok(())
}

/// A record's writes as an external API's commit takes them: each phase with what the cache knows
/// of its paths (as [`commit_record`] plans them), the first carrying the version. A phase that
/// would send nothing (removes of what is known absent) is left out, as [`commit_record`] sends
/// nothing for it.
#[cfg(feature = "external-client")]
pub(super) fn groups(core: &TableCore, batch: &Batch) -> Vec<crate::external::client::Group> {
    let mut known = batch.base.clone();
    let mut version = Some(expected_version(core, &known));
    let mut groups = Vec::with_capacity(batch.phases.len());
    for phase in &batch.phases {
        {
            let existing = |path: &DocumentPath| known.existing_depth(path);
            let present = presence(core, &known, phase.creates_record);
            let (planned, _) = crate::table::retry::rewrite(
                core.model,
                phase.actions.clone(),
                &existing,
                &present,
                None,
            );
            if !planned.is_empty() {
                groups.push(crate::external::client::Group {
                    actions: phase.actions.clone(),
                    creates_record: phase.creates_record,
                    version: version.take(),
                    known: crate::external::client::known_paths(
                        &phase.actions,
                        &existing,
                        &present,
                    ),
                });
            }
        }
        for action in &phase.actions {
            known.apply(action);
        }
    }
    groups
}

/// Whether a value is known to be stored at a path, for dropping removes that would find nothing.
/// `None` for every path (nothing dropped) when the removes must be sent: when the request must
/// create the record (a SET they superseded would have), or when the model is versioned (a commit
/// of pending writes increments the version, as reads showed, even if they change nothing else).
pub(super) fn presence<'a>(
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
pub(super) fn expected_version(core: &TableCore, known: &Known) -> ExpectedVersion {
    let Some(name) = core.model.version_field() else {
        return ExpectedVersion::Any;
    };
    match known.lookup(&version_path(name)) {
        Lookup::Hit(Some(value)) => ExpectedVersion::Is(value),
        Lookup::Hit(None) => ExpectedVersion::Absent,
        Lookup::Miss => ExpectedVersion::Any,
    }
}

/// The write of the version that follows the one known (`lookup` answers what is known), for a
/// versioned `model` whose stored version is known.
pub(super) fn next_version(
    model: &ModelSchema,
    lookup: impl FnOnce(&DocumentPath) -> Lookup,
) -> Option<UpdateAction> {
    let path = version_path(model.version_field()?);
    match lookup(&path) {
        Lookup::Hit(current) => version::next(current.as_ref())
            .ok()
            .map(|next| UpdateAction::Set(path, next)),
        Lookup::Miss => None,
    }
}

/// The path of the version attribute.
pub(super) fn version_path(name: &str) -> DocumentPath {
    DocumentPath::from_segments(vec![crate::path::Segment::Key(name.into())])
}

/// Whether the ancestors of `path` inside the record are known to exist. A top-level attribute has
/// only the record: an unconditioned request creates it as the superseded SET would have (see
/// [`Phase::creates_record`]), unless the record's fields have defaults, which only the SET's own
/// request stores.
pub(super) fn parents_known_to_exist(
    known: &Known,
    path: &DocumentPath,
    record_defaults: bool,
) -> bool {
    if path.depth() <= 1 {
        return !record_defaults || known.known_to_exist();
    }
    known
        .existing_depth(path)
        .is_some_and(|depth| depth + 1 >= path.depth())
}
