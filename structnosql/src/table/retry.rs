//! The one retry protocol of field writes: send; when the condition fails, learn the record from the
//! item DynamoDB returned, re-plan the writes on it (missing parents created whole), and send again,
//! up to [`MAX_ATTEMPTS`] requests. Single writes and atomic commits both follow it. What a write
//! expects of the version, and how writes are planned on what is known of a record, live here too.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::document;
use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::{defaults, version as versions, Item, ModelSchema};
use crate::path::{DocumentPath, Segment};

use super::core::TableCore;

/// How many requests one write sends at most before giving up on a record that keeps changing.
pub(crate) const MAX_ATTEMPTS: usize = 4;

/// Which request of a write this is: the first, or a re-planned one after a failed condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt(usize);

impl Attempt {
    /// The write's first request.
    pub(crate) const FIRST: Attempt = Attempt(1);

    /// Whether this is the first request.
    pub(crate) fn is_first(self) -> bool {
        self == Self::FIRST
    }

    /// The attempt that re-plans this one, or [`Error::Contention`] when this was the last allowed
    /// ([`MAX_ATTEMPTS`]). `record` names the record concerned, when there is one.
    pub(crate) fn next(
        self,
        operation: &'static str,
        record: impl FnOnce() -> Option<String>,
    ) -> Result<Attempt> {
        if self.0 >= MAX_ATTEMPTS {
            return Err(Error::Contention {
                operation,
                record: record(),
                attempts: self.0,
            });
        }
        Ok(Attempt(self.0 + 1))
    }
}

/// After a failed condition: whether the write can go on, given `current`, the record DynamoDB
/// returned (`None`: there is none). It cannot when the record's version is not the one expected,
/// or when there is no record and the table's updates must not create one (`creates` says whether
/// the writes would create it: removes alone never do).
pub(crate) fn check_current(
    core: &TableCore,
    key_item: &Item,
    version: Option<&ExpectedVersion>,
    current: Option<&Item>,
    creates: bool,
) -> Result<()> {
    let empty = Item::new();
    if let Some(conflict) = version
        .and_then(|expected| version_conflict(core, key_item, expected, current.unwrap_or(&empty)))
    {
        return Err(conflict);
    }
    if current.is_none() && creates && !core.updates_create_records {
        return Err(Error::RecordNotFound {
            record: core.describe_record(key_item),
        });
    }
    Ok(())
}

/// Re-plans `actions` on `current`, the record DynamoDB returned (empty when `exists` is false):
/// writes below missing parents create them, removes of what is not there are dropped. Returns the
/// writes and the paths they create.
pub(crate) fn replan(
    core: &TableCore,
    key_item: &Item,
    actions: Vec<UpdateAction>,
    current: &Item,
    exists: bool,
) -> (Vec<UpdateAction>, Vec<DocumentPath>) {
    rewrite(
        core.model,
        actions,
        &|path: &DocumentPath| Some(document::existing_depth(current, path)),
        &|path: &DocumentPath| Some(document::get(current, path).is_some()),
        (!exists).then_some(key_item),
    )
}

/// What a write expects of the record's version (models with a `#[structnosql(version)]` field).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExpectedVersion {
    /// Nothing: the version is only incremented.
    Any,
    /// No version stored (a record not yet written).
    Absent,
    /// This version stored.
    Is(AttributeValue),
}

/// The conflict, if the version in `current` (the item a failed condition returned) is not the one
/// expected.
pub(crate) fn version_conflict(
    core: &TableCore,
    key_item: &Item,
    expected: &ExpectedVersion,
    current: &Item,
) -> Option<Error> {
    let found = current.get(core.model.version_field()?);
    let conflict = match expected {
        ExpectedVersion::Any => false,
        ExpectedVersion::Absent => found.is_some(),
        ExpectedVersion::Is(value) => found != Some(value),
    };
    conflict.then(|| Error::VersionConflict {
        record: core.describe_record(key_item),
        expected: match expected {
            ExpectedVersion::Is(value) => value.as_n().ok().cloned(),
            _ => None,
        },
        found: found.and_then(|value| value.as_n().ok().cloned()),
    })
}

/// Whether `current` (the item a failed condition returned) holds exactly what `actions` write:
/// every SET path its value, every REMOVE path nothing, and, when a version was checked
/// (`expected`), the version the write stores. Then the condition failed against the write's own
/// earlier attempt; another writer that wrote exactly the same cannot be told apart, and leaves the
/// record as this write would have.
pub(crate) fn already_applied(
    core: &TableCore,
    expected: Option<&ExpectedVersion>,
    actions: &[UpdateAction],
    current: &Item,
) -> bool {
    let written = actions.iter().all(|action| match action {
        UpdateAction::Set(path, value) => document::get(current, path) == Some(value),
        UpdateAction::Remove(path) => document::get(current, path).is_none(),
    });
    let previous = match (core.model.version_field(), expected) {
        (Some(_), Some(ExpectedVersion::Absent)) => None,
        (Some(_), Some(ExpectedVersion::Is(value))) => Some(value),
        _ => return written,
    };
    written
        && core.model.version_field().is_some_and(|name| {
            versions::next(previous).is_ok_and(|next| current.get(name) == Some(&next))
        })
}

/// The writes that make sense on what is known of the record: SETs whose parent is known to be missing
/// become the creation of their highest missing ancestor (several such SETs under one ancestor become
/// one value); REMOVEs of what is known not to be there are dropped; the rest is kept. Returns the
/// writes and the paths they create. Each map level created gets the defaults of its model's fields
/// that the writes do not set (`#[structnosql(default)]`); so does the record when `created_record`
/// (its key) says the writes create it.
pub(crate) fn rewrite(
    model: &'static ModelSchema,
    actions: Vec<UpdateAction>,
    existing: &impl Fn(&DocumentPath) -> Option<usize>,
    present: &impl Fn(&DocumentPath) -> Option<bool>,
    created_record: Option<&Item>,
) -> (Vec<UpdateAction>, Vec<DocumentPath>) {
    let mut kept: Vec<UpdateAction> = Vec::with_capacity(actions.len());
    let mut created: Vec<(DocumentPath, AttributeValue, Vec<Vec<Segment>>)> = Vec::new();
    for action in actions {
        match action {
            UpdateAction::Remove(path) => {
                if present(&path) != Some(false) {
                    kept.push(UpdateAction::Remove(path));
                }
            }
            UpdateAction::Set(path, value) => {
                let Some(existing) = existing(&path) else {
                    kept.push(UpdateAction::Set(path, value));
                    continue;
                };
                if existing + 1 >= path.depth() {
                    kept.push(UpdateAction::Set(path, value));
                    continue;
                }
                let ancestor = path.prefix(existing + 1);
                let relative = path.suffix(existing + 1);
                match created.iter_mut().find(|(root, _, _)| *root == ancestor) {
                    Some((_, subtree, written)) => {
                        document::set_within(subtree, relative, value);
                        written.push(relative.to_vec());
                    }
                    None => created.push((
                        ancestor,
                        document::build_subtree(relative, value),
                        vec![relative.to_vec()],
                    )),
                }
            }
        }
    }
    let mut created_paths: Vec<DocumentPath> =
        created.iter().map(|(path, _, _)| path.clone()).collect();
    kept.extend(created.into_iter().map(|(path, mut value, written)| {
        defaults::fill_created(model, &path, &mut value, &written);
        UpdateAction::Set(path, value)
    }));
    let creates = kept
        .iter()
        .any(|action| matches!(action, UpdateAction::Set(..)));
    if let Some(key_item) = created_record.filter(|_| creates) {
        let written: Vec<&str> = kept
            .iter()
            .filter_map(|action| action.path().segments().first().and_then(Segment::name))
            .collect();
        let record_defaults = defaults::record_defaults(model, |name| {
            key_item.contains_key(name) || written.contains(&name)
        });
        for (name, value) in record_defaults {
            let path = DocumentPath::from_segments(vec![Segment::Field(name)]);
            created_paths.push(path.clone());
            kept.push(UpdateAction::Set(path, value));
        }
    }
    (kept, created_paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_stops_with_contention_after_the_last_attempt() {
        let mut attempt = Attempt::FIRST;
        let mut sent = 1;
        let error = loop {
            match attempt.next("UpdateItem", || Some("users[u1]".into())) {
                Ok(next) => {
                    attempt = next;
                    sent += 1;
                }
                Err(error) => break error,
            }
        };
        assert_eq!(sent, MAX_ATTEMPTS);
        match error {
            Error::Contention {
                operation,
                record,
                attempts,
            } => assert_eq!(
                (operation, record.as_deref(), attempts),
                ("UpdateItem", Some("users[u1]"), MAX_ATTEMPTS)
            ),
            other => panic!("expected contention, got {other:?}"),
        }
    }
}
