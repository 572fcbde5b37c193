//! What a table type does with each operation: send it at once ([`Direct`]) or go through the cache
//! ([`super::caching::Cached`]). The public operations are written once, over this trait.

use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;

use super::core::TableCore;
use super::query::{Query, QueryMetadata};
use crate::error::Result;
use crate::expr::UpdateAction;
use crate::model::Item;
use crate::path::DocumentPath;

pub use super::write::OldValues;

/// Values read at some paths, and whether they all came from the cache (no request).
#[derive(Debug, Clone, PartialEq)]
pub struct Reads {
    /// One value per path, `None` where nothing is stored.
    pub values: Vec<Option<AttributeValue>>,
    /// Whether no request was needed.
    pub from_cache: bool,
}

/// How a table type carries out operations. Implemented by [`Direct`] and
/// [`super::caching::Cached`]; not meant to be implemented elsewhere.
pub trait Backend: Send + Sync + Sized + 'static {
    /// The backend of a configured table.
    fn new(core: TableCore) -> Self;
    /// The table's configuration.
    fn core(&self) -> &TableCore;
    /// Reads the values at `paths` of one record.
    fn read(
        &self,
        key_item: &Item,
        paths: &[DocumentPath],
    ) -> impl Future<Output = Result<Reads>> + Send;
    /// Reads a whole record.
    fn read_record(&self, key_item: &Item) -> impl Future<Output = Result<Option<Item>>> + Send;
    /// Applies field writes; returns what the written paths held when asked.
    fn write(
        &self,
        key_item: &Item,
        actions: Vec<UpdateAction>,
        old: OldValues,
    ) -> impl Future<Output = Result<Item>> + Send;
    /// Writes a whole record; returns whether it was written.
    fn put(
        &self,
        key_item: &Item,
        item: Item,
        only_if_absent: bool,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes a record; returns whether there was one.
    fn delete_record(&self, key_item: &Item) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes a record and returns it.
    fn remove_record(&self, key_item: &Item) -> impl Future<Output = Result<Option<Item>>> + Send;
    /// One page of a query; each item holds the primary key and the values at `paths`.
    fn query(
        &self,
        query: &Query,
        paths: &[DocumentPath],
    ) -> impl Future<Output = Result<(Vec<Item>, QueryMetadata)>> + Send;
}

/// Every operation goes to DynamoDB at once.
#[derive(Debug)]
pub struct Direct {
    core: TableCore,
}

impl Backend for Direct {
    fn new(core: TableCore) -> Self {
        Self { core }
    }

    fn core(&self) -> &TableCore {
        &self.core
    }

    async fn read(&self, key_item: &Item, paths: &[DocumentPath]) -> Result<Reads> {
        let item = super::read::get_paths(&self.core, key_item, paths).await?;
        Ok(Reads {
            values: super::read::values_at(item.as_ref(), paths),
            from_cache: false,
        })
    }

    async fn read_record(&self, key_item: &Item) -> Result<Option<Item>> {
        super::read::get_paths(&self.core, key_item, &[]).await
    }

    async fn write(
        &self,
        key_item: &Item,
        actions: Vec<UpdateAction>,
        old: OldValues,
    ) -> Result<Item> {
        super::write::apply(&self.core, key_item, actions, old).await
    }

    async fn put(&self, key_item: &Item, item: Item, only_if_absent: bool) -> Result<bool> {
        super::records::put(&self.core, key_item, item, only_if_absent).await
    }

    async fn delete_record(&self, key_item: &Item) -> Result<bool> {
        super::records::delete(&self.core, key_item).await
    }

    async fn remove_record(&self, key_item: &Item) -> Result<Option<Item>> {
        super::records::remove(&self.core, key_item).await
    }

    async fn query(
        &self,
        query: &Query,
        paths: &[DocumentPath],
    ) -> Result<(Vec<Item>, QueryMetadata)> {
        super::query::query_page(&self.core, query, paths).await
    }
}
