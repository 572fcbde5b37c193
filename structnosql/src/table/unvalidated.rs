//! The explicit ways around validation, for migrating data written under older rules: a record put
//! without the model's custom checks, and a record read leniently. Never the default.

use super::api::Table;
use super::backend::{Backend, PutCondition};
use super::key::RecordKey;
use crate::error::Result;
use crate::model::record_item;
use crate::model::transform::Checks;
use crate::model::{Lenient, TableDataModel};

impl<M: TableDataModel, K: RecordKey, B: Backend> Table<M, K, B> {
    /// Writes the whole record like [`Table::put_record`], without running the model's custom field
    /// checks (`#[structnosql(validate = "...")]`). What DynamoDB itself refuses (a NaN, a 39-digit
    /// number, an empty set, an item over 400 KB) is still refused before sending, since it could not
    /// be stored. For migrations of records written under older rules.
    pub async fn put_record_unvalidated(&self, record: &M) -> Result<()> {
        let item = record_item(record, Checks::Skip)?;
        self.put_item(item, PutCondition::None).await.map(drop)
    }

    /// Reads the whole record leniently: stored values that do not match the model (in optional
    /// fields, map entries and list items) are left out and listed in [`Lenient::dropped`] instead of
    /// failing the read. A missing or invalid required field is still an error. One GetItem (or a
    /// cache hit).
    pub async fn get_record_lenient(&self, key: impl Into<K>) -> Result<Option<Lenient<M>>> {
        let core = self.backend.core();
        let key_item = core.key_item(&key.into())?;
        self.backend
            .read_record(&key_item)
            .await?
            .map(|item| {
                core.check_entity_type(&item)?;
                M::from_item_lenient(core.strip_leading_key(item))
            })
            .transpose()
    }
}
