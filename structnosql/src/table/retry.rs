//! The one retry protocol of field writes: send; when the condition fails, learn the record from the
//! item DynamoDB returned, re-plan the writes on it (missing parents created whole), and send again,
//! up to [`MAX_ATTEMPTS`] requests. Single writes and atomic commits both follow it.

use crate::document;
use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::Item;
use crate::path::DocumentPath;

use super::core::TableCore;
use super::write::{rewrite, version_conflict, ExpectedVersion};

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
