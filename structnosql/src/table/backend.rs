//! What a table type does with each operation: send it at once ([`Direct`]) or go through the cache
//! ([`Cached`](super::Cached)). The public operations are written once, over this trait.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use super::core::TableCore;
use super::page::QueryMetadata;
use super::query::Query;
use crate::error::Result;
use crate::expr::{Condition, UpdateAction};
use crate::model::Item;
use crate::path::DocumentPath;

pub use super::records::PutCondition;
pub use super::write::OldValues;

/// What a field write found: the old values asked for, and whether no request was sent (a caching
/// table that knew them queued the write).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// What the written paths held (empty unless asked for).
    pub old: Item,
    /// Whether no request was needed.
    pub from_cache: bool,
}

/// Values read at some paths, and whether they all came from the cache (no request).
#[derive(Debug, Clone, PartialEq)]
pub struct Reads {
    /// One value per path, `None` where nothing is stored.
    pub values: Vec<Option<AttributeValue>>,
    /// Whether no request was needed.
    pub from_cache: bool,
}

/// How a table type carries out operations: [`Direct`] (a [`BasicTable`](super::BasicTable)) or
/// [`Cached`](super::Cached) (a [`CachingTable`](super::CachingTable)). Sealed: implemented
/// by these two only. Use it to write code generic over both tables:
///
/// ```
/// use structnosql::table::{Backend, RecordKey, Table};
/// use structnosql::TableDataModel;
///
/// /// Works on a `BasicTable<M, K>` and a `CachingTable<M, K>` alike.
/// async fn exists<M: TableDataModel, K: RecordKey, B: Backend>(
///     table: &Table<M, K, B>,
///     key: K,
/// ) -> structnosql::Result<bool> {
///     Ok(table.get_record(key).await?.is_some())
/// }
/// ```
pub trait Backend: sealed::Sealed + Send + Sync + Sized + 'static {
    #[doc(hidden)]
    /// The backend of a configured table.
    fn new(core: TableCore) -> Self;
    #[doc(hidden)]
    /// The table's configuration.
    fn core(&self) -> &TableCore;
    #[doc(hidden)]
    /// Reads the values at `paths` of one record.
    fn read(
        &self,
        key_item: &Item,
        paths: &[DocumentPath],
    ) -> impl Future<Output = Result<Reads>> + Send;
    #[doc(hidden)]
    /// Reads a whole record.
    fn read_record(&self, key_item: &Item) -> impl Future<Output = Result<Option<Item>>> + Send;
    #[doc(hidden)]
    /// Applies field writes, if `condition` holds; returns what the written paths held when asked.
    fn write(
        &self,
        key_item: &Item,
        actions: Vec<UpdateAction>,
        old: OldValues,
        condition: Option<&Condition>,
    ) -> impl Future<Output = Result<Written>> + Send;
    #[doc(hidden)]
    /// Writes a whole record under `condition`; returns whether it was written.
    fn put(
        &self,
        key_item: &Item,
        item: Item,
        condition: PutCondition<'_>,
    ) -> impl Future<Output = Result<bool>> + Send;
    #[doc(hidden)]
    /// Deletes a record if `condition` holds; returns whether there was one.
    fn delete_record(
        &self,
        key_item: &Item,
        condition: Option<&Condition>,
    ) -> impl Future<Output = Result<bool>> + Send;
    #[doc(hidden)]
    /// Deletes a record and returns it.
    fn remove_record(&self, key_item: &Item) -> impl Future<Output = Result<Option<Item>>> + Send;
    #[doc(hidden)]
    /// Before a query or a scan: a caching backend commits the pending writes of the records it
    /// could return (those whose hash key is `hash`, or all of them), so that DynamoDB's answer,
    /// filters and indexes included, shows them as the backend's own reads do.
    fn commit_before_reading(
        &self,
        hash: Option<&AttributeValue>,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = hash;
        std::future::ready(Ok(()))
    }
    #[doc(hidden)]
    /// One page of a query; each item holds the primary key and the values at `paths`.
    fn query(
        &self,
        query: &Query,
        paths: &[DocumentPath],
    ) -> impl Future<Output = Result<(Vec<Item>, QueryMetadata)>> + Send;
    #[doc(hidden)]
    /// Records read or written by a batch or a scan, each as its key attributes and what was read or
    /// written (`None`: no record). Returns what the caller sees of each, one per record, `Some` for
    /// every record given with `Some`. By default nothing is kept and the records are returned as
    /// they are; a caching backend learns them and shows the caller's pending writes.
    fn learn_records(
        &self,
        records: Vec<(Item, Option<Item>)>,
        learned: Learned<'_>,
    ) -> Vec<Option<Item>> {
        let _ = learned;
        records.into_iter().map(|(_, item)| item).collect()
    }

    #[doc(hidden)]
    /// What a transaction needs of this table's cache: commit a record's pending writes before it,
    /// forget what was cached of the record after it. `None` for a table without a cache.
    fn cache_hook(self: &Arc<Self>) -> Option<Arc<dyn CacheHook>>;
}

/// Keeps [`Backend`] implemented by this crate's table types only.
pub(super) mod sealed {
    /// Implemented by [`super::Direct`] here and by the caching backend in its own module.
    pub trait Sealed {}
    impl Sealed for super::Direct {}
}

/// A future a [`CacheHook`] returns.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// What writes made outside a table's own operations (transactions) do to its cache.
pub trait CacheHook: Send + Sync {
    /// Sends the record's pending writes, so that the outside write comes after them.
    fn flush<'a>(&'a self, key_item: &'a Item) -> HookFuture<'a>;
    /// Forgets what is cached of the record (DynamoDB may now hold anything).
    fn forget(&self, key_item: &Item);
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

    fn cache_hook(self: &Arc<Self>) -> Option<Arc<dyn CacheHook>> {
        None
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
        condition: Option<&Condition>,
    ) -> Result<Written> {
        let old = super::write::apply(&self.core, key_item, actions, old, condition).await?;
        Ok(Written {
            old,
            from_cache: false,
        })
    }

    async fn put(&self, key_item: &Item, item: Item, condition: PutCondition<'_>) -> Result<bool> {
        super::records::put(&self.core, key_item, item, condition).await
    }

    async fn delete_record(&self, key_item: &Item, condition: Option<&Condition>) -> Result<bool> {
        super::records::delete(&self.core, key_item, condition).await
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

/// How the records given to [`Backend::learn_records`] were obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Learned<'a> {
    /// Read: the values of each record at these paths (`None`: there is no record).
    Paths(&'a [DocumentPath]),
    /// Read: each whole record (`None`: there is no record).
    Records,
    /// Written: each record was put whole (`Some`) or deleted (`None`), superseding the caller's
    /// earlier writes to it.
    Written,
    /// A request about these records failed: DynamoDB may or may not have applied it.
    Uncertain,
}
