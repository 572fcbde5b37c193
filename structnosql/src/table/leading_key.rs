//! The leading key: a prefix a table adds to every record's hash key, so that several logical tables
//! (or tenants) share one physical table. Callers never see it: keys are given and returned without
//! it, and records stored without it are not visible through the table.

use aws_sdk_dynamodb::types::AttributeValue;

use super::core::TableCore;
use crate::error::{Error, Result};
use crate::model::{Item, TableDataModel, Violation};
use crate::path::{DocumentPath, Segment};

impl TableCore {
    /// The stored form of a hash key value.
    pub(crate) fn with_leading_key(&self, hash: AttributeValue) -> AttributeValue {
        match (&self.leading_key, hash) {
            (Some(prefix), AttributeValue::S(value)) => {
                AttributeValue::S(format!("{prefix}{value}"))
            }
            (_, hash) => hash,
        }
    }

    /// The caller's form of a stored hash key value; `None` if it lacks the leading key.
    pub(crate) fn without_leading_key(&self, hash: &AttributeValue) -> Option<AttributeValue> {
        match (&self.leading_key, hash) {
            (None, hash) => Some(hash.clone()),
            (Some(prefix), AttributeValue::S(value)) => value
                .strip_prefix(prefix.as_str())
                .map(|value| AttributeValue::S(value.to_owned())),
            (Some(_), _) => None,
        }
    }

    /// Whether `item` belongs to this table: its hash key carries the leading key (always true
    /// without one), and it is not another entity's (see `TableCore::other_entity`).
    pub(crate) fn is_visible(&self, item: &Item) -> bool {
        if self.other_entity(item).is_some() {
            return false;
        }
        self.leading_key.is_none()
            || item
                .get(&self.primary_index.hash_key)
                .and_then(|hash| self.without_leading_key(hash))
                .is_some()
    }

    /// Adds the leading key to the hash key of a whole item about to be written.
    pub(crate) fn add_leading_key(&self, item: &mut Item) {
        if self.leading_key.is_none() {
            return;
        }
        if let Some(hash) = item.remove(&self.primary_index.hash_key) {
            item.insert(
                self.primary_index.hash_key.clone(),
                self.with_leading_key(hash),
            );
        }
    }

    /// A stored item in the caller's form: the leading key taken off its hash key.
    pub(crate) fn strip_leading_key(&self, item: Item) -> Item {
        match &self.leading_key {
            Some(prefix) => strip_hash_prefix(item, &self.primary_index.hash_key, prefix),
            None => item,
        }
    }

    /// A stored item as a record: the leading key taken off its hash key, then decoded.
    pub(crate) fn decode_record<M: TableDataModel>(&self, mut item: Item) -> Result<M> {
        self.check_entity_type(&item)?;
        if self.leading_key.is_some() {
            let hash_key = &self.primary_index.hash_key;
            let hash = item
                .get(hash_key)
                .and_then(|hash| self.without_leading_key(hash))
                .ok_or_else(|| Error::InvalidStoredData {
                    violations: vec![Violation {
                        path: DocumentPath::from_segments(vec![Segment::Key(
                            hash_key.as_str().into(),
                        )]),
                        message: "the hash key lacks the table's leading key".into(),
                    }],
                })?;
            item.insert(hash_key.clone(), hash);
        }
        M::from_item(item)
    }
}

/// `item` with `prefix` taken off its string hash key `hash_key` (unchanged when the key lacks it).
pub(crate) fn strip_hash_prefix(mut item: Item, hash_key: &str, prefix: &str) -> Item {
    if let Some(AttributeValue::S(hash)) = item.get(hash_key) {
        if let Some(stripped) = hash.strip_prefix(prefix) {
            let stripped = AttributeValue::S(stripped.to_owned());
            item.insert(hash_key.to_owned(), stripped);
        }
    }
    item
}
