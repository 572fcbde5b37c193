//! The operations of every table type, written once over [`Backend`].

use std::marker::PhantomData;

use futures::Stream;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use super::backend::{Backend, Direct, PutCondition};
use super::core::TableCore;
use super::key::RecordKey;
use super::page::QueryPage;
use super::query::Query;
use super::read::values_at;
use super::selectors::{Getters, NamedValues, Removers, Setters};
use super::values::{check_field_path, decode_at, named_values};
use super::write::OldValues;
use super::TableBuilder;
use crate::document;
use crate::error::{Error, Result};
use crate::expr::{Condition, UpdateAction};
use crate::model::transform::{self, Direction};
use crate::model::{Attribute, Item, TableDataModel};
use crate::path::{self, DocumentPath, KeyValues, ReadablePath, Selection, TypedPath};

/// A table of records of model `M`, keyed by `K`: the hash key's type (`String` by default), or a
/// `(hash, sort)` pair for a composite key. `B` decides how operations are carried out; use the
/// aliases [`BasicTable`] (every operation sent at once) and `CachingTable` (reads from memory,
/// writes grouped at commit).
pub struct Table<M, K, B> {
    pub(crate) backend: Arc<B>,
    model: PhantomData<fn() -> (M, K)>,
}

/// A value, and whether it was served from the cache (StructNoSQL's `fromCache`).
#[derive(Debug, Clone, PartialEq)]
pub struct FromCache<T> {
    /// The value.
    pub value: T,
    /// Whether no request was sent for it.
    pub from_cache: bool,
}

/// A table whose every operation goes to DynamoDB at once.
pub type BasicTable<M, K = String> = Table<M, K, Direct>;

impl<M, K, B> Clone for Table<M, K, B> {
    fn clone(&self) -> Self {
        Self {
            backend: Arc::clone(&self.backend),
            model: PhantomData,
        }
    }
}

impl<M, K, B: Backend> std::fmt::Debug for Table<M, K, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("table_name", &self.backend.core().table_name)
            .field("primary_index", &self.backend.core().primary_index)
            .finish()
    }
}

impl<M: TableDataModel, K: RecordKey, B: Backend> Table<M, K, B> {
    /// Starts configuring a table.
    pub fn builder() -> TableBuilder<M, K, B> {
        TableBuilder::default()
    }

    pub(crate) fn from_core(core: TableCore) -> Self {
        Self::from_backend(Arc::new(B::new(core)))
    }

    /// The table over a backend another handle shares.
    pub(crate) fn from_backend(backend: Arc<B>) -> Self {
        Self {
            backend,
            model: PhantomData,
        }
    }

    pub(crate) fn core(&self) -> &TableCore {
        self.backend.core()
    }

    /// The DynamoDB client requests go through (with the table's retry and time-out settings);
    /// `None` for a table built with `external_api`, whose requests go to an HTTP API.
    pub fn client(&self) -> Option<&aws_sdk_dynamodb::Client> {
        self.core().client().ok()
    }

    /// The table's name.
    pub fn table_name(&self) -> &str {
        &self.core().table_name
    }

    fn key_item(&self, key: impl Into<K>) -> Result<Item> {
        self.core().key_item(&key.into())
    }

    fn resolve_one(&self, path: &str, keys: &(impl KeyValues + ?Sized)) -> Result<DocumentPath> {
        let resolved = path::resolve(self.core().model, path, keys)?;
        match resolved.as_slice() {
            [single] => Ok(single.path.clone()),
            _ => Err(Error::InvalidPath {
                path: path.to_owned(),
                reason: "this operation takes one path; use the multiple-fields form for a multi-selection".into(),
            }),
        }
    }

    // ---- Records ---------------------------------------------------------------------------

    /// Writes the whole record, replacing any record with the same key. One PutItem.
    ///
    /// For a model with a `#[structnosql(version)]` field, the write is conditioned on the stored
    /// version being the record's (no stored record when the record's version is absent) and stores
    /// the next version; otherwise it fails with [`Error::VersionConflict`].
    pub async fn put_record(&self, record: &M) -> Result<()> {
        self.put(record, PutCondition::None).await.map(drop)
    }

    /// Writes the whole record only if no record has its key; returns whether it was written. One
    /// PutItem, conditioned on the key being absent.
    pub async fn put_record_if_absent(&self, record: &M) -> Result<bool> {
        self.put(record, PutCondition::Absent).await
    }

    /// Writes the whole record if `condition` holds for the stored record; otherwise nothing is
    /// written and the error is [`Error::ConditionFailed`], carrying the stored record. One PutItem.
    pub async fn put_record_if(&self, record: &M, condition: &Condition) -> Result<()> {
        self.put(record, PutCondition::Holds(condition))
            .await
            .map(drop)
    }

    async fn put(&self, record: &M, condition: PutCondition<'_>) -> Result<bool> {
        self.put_item(record.to_item()?, condition).await
    }

    /// Writes an encoded record.
    pub(crate) async fn put_item(
        &self,
        mut item: Item,
        condition: PutCondition<'_>,
    ) -> Result<bool> {
        self.core().complete_item(&mut item)?;
        let key_item = self.core().key_item_of::<K>(&item)?;
        self.backend.put(&key_item, item, condition).await
    }

    /// Reads the whole record; `None` if there is none. One consistent GetItem.
    pub async fn get_record(&self, key: impl Into<K>) -> Result<Option<M>> {
        let key_item = self.key_item(key)?;
        self.backend
            .read_record(&key_item)
            .await?
            .map(|item| self.core().decode_record(item))
            .transpose()
    }

    /// Deletes the record; returns whether there was one. One DeleteItem, conditioned on the record
    /// existing, so that the answer is exact.
    pub async fn delete_record(&self, key: impl Into<K>) -> Result<bool> {
        let key_item = self.key_item(key)?;
        self.backend.delete_record(&key_item, None).await
    }

    /// Deletes the record if `condition` holds; returns whether there was one. When the record is
    /// there and the condition does not hold, nothing is deleted and the error is
    /// [`Error::ConditionFailed`], carrying the stored record. One DeleteItem.
    pub async fn delete_record_if(&self, key: impl Into<K>, condition: &Condition) -> Result<bool> {
        let key_item = self.key_item(key)?;
        self.backend.delete_record(&key_item, Some(condition)).await
    }

    /// Deletes the record and returns it; `None` if there was none. One DeleteItem.
    pub async fn remove_record(&self, key: impl Into<K>) -> Result<Option<M>> {
        let key_item = self.key_item(key)?;
        self.backend
            .remove_record(&key_item)
            .await?
            .map(|item| self.core().decode_record(item))
            .transpose()
    }

    // ---- Reads -----------------------------------------------------------------------------

    /// Reads one field; `None` when the record or the field is absent. One consistent GetItem that
    /// projects the field.
    pub async fn get_field<P: ReadablePath>(
        &self,
        key: impl Into<K>,
        path: P,
    ) -> Result<Option<P::Value>> {
        let path = path.read_path().clone();
        let mut values = self.read(key, std::slice::from_ref(&path)).await?;
        decode_at(&path, values.pop().flatten())
    }

    /// Like [`Table::get_field`], also telling whether the value came from the cache without a
    /// request (always `false` for a [`BasicTable`]).
    pub async fn get_field_traced<P: ReadablePath>(
        &self,
        key: impl Into<K>,
        path: P,
    ) -> Result<FromCache<Option<P::Value>>> {
        let path = path.read_path().clone();
        check_field_path(&path)?;
        let key_item = self.key_item(key)?;
        let mut reads = self
            .backend
            .read(&key_item, std::slice::from_ref(&path))
            .await?;
        let value = reads.values.pop().flatten();
        let value = transform::at_optional(self.core().model, &path, value, Direction::Read)?;
        Ok(FromCache {
            value: decode_at(&path, value)?,
            from_cache: reads.from_cache,
        })
    }

    /// Reads several fields given as a tuple of typed paths, in one GetItem; the values come back as
    /// a tuple of `Option`s.
    pub async fn get_fields<S: Selection>(
        &self,
        key: impl Into<K>,
        selection: S,
    ) -> Result<S::Values> {
        let paths: Vec<DocumentPath> = selection.document_paths().into_iter().cloned().collect();
        let values = self.read(key, &paths).await?;
        selection
            .decode(values)
            .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
    }

    /// Reads one field by string path, as a `V`.
    pub async fn get_field_path<V: Attribute>(
        &self,
        key: impl Into<K>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
    ) -> Result<Option<V>> {
        let path = self.resolve_one(path, keys)?;
        let mut values = self.read(key, std::slice::from_ref(&path)).await?;
        decode_at(&path, values.pop().flatten())
    }

    /// Reads named fields (typed or string paths, multi-selections included) in one GetItem.
    pub async fn get_multiple_fields(
        &self,
        key: impl Into<K>,
        getters: &Getters,
    ) -> Result<NamedValues> {
        let named = getters.resolve(self.core().model)?;
        let paths: Vec<DocumentPath> = named.iter().map(|(_, path)| path.clone()).collect();
        let values = self.read(key, &paths).await?;
        Ok(NamedValues::new(
            named
                .into_iter()
                .zip(values)
                .map(|((name, path), value)| (name, path, value))
                .collect(),
        ))
    }

    async fn read(
        &self,
        key: impl Into<K>,
        paths: &[DocumentPath],
    ) -> Result<Vec<Option<AttributeValue>>> {
        for path in paths {
            check_field_path(path)?;
        }
        let key_item = self.key_item(key)?;
        let values = self.backend.read(&key_item, paths).await?.values;
        // The read transforms run here, on copies: a cache keeps the stored form.
        let model = self.core().model;
        values
            .into_iter()
            .zip(paths)
            .map(|(value, path)| transform::at_optional(model, path, value, Direction::Read))
            .collect()
    }

    // ---- Updates ---------------------------------------------------------------------------

    /// Writes one field. Missing parent maps are created: one UpdateItem when the parents exist, two
    /// when some are missing, whatever the depth. On a record that does not exist, the record is
    /// created with the key and this field (unless the table was built with
    /// `updates_create_records(false)`).
    pub async fn update_field<P: TypedPath>(
        &self,
        key: impl Into<K>,
        path: P,
        value: impl Into<P::Value>,
    ) -> Result<()> {
        let setters = Setters::new().set(path, value);
        self.update_multiple_fields(key, &setters).await
    }

    /// Writes one field by string path, checked against the model.
    pub async fn update_field_path<V: Attribute>(
        &self,
        key: impl Into<K>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
        value: V,
    ) -> Result<()> {
        let setters = Setters::new().set_path(path, keys, value);
        self.update_multiple_fields(key, &setters).await
    }

    /// Writes several fields in one UpdateItem (more only where DynamoDB's limits force it, and one
    /// more when parents are missing). If any setter is invalid, nothing is sent and the error lists
    /// every problem.
    pub async fn update_multiple_fields(&self, key: impl Into<K>, setters: &Setters) -> Result<()> {
        self.write(key, setters, OldValues::Skip, None)
            .await
            .map(drop)
    }

    /// Writes one field if `condition` holds; otherwise nothing is written and the error is
    /// [`Error::ConditionFailed`], carrying the stored record. Sent at once, also by a
    /// [`CachingTable`](super::CachingTable) (after the record's pending writes).
    pub async fn update_field_if<P: TypedPath>(
        &self,
        key: impl Into<K>,
        path: P,
        value: impl Into<P::Value>,
        condition: &Condition,
    ) -> Result<()> {
        let setters = Setters::new().set(path, value);
        self.update_multiple_fields_if(key, &setters, condition)
            .await
    }

    /// Writes several fields in one UpdateItem if `condition` holds; see
    /// [`Table::update_field_if`]. The writes must fit one request.
    pub async fn update_multiple_fields_if(
        &self,
        key: impl Into<K>,
        setters: &Setters,
        condition: &Condition,
    ) -> Result<()> {
        self.write(key, setters, OldValues::Skip, Some(condition))
            .await
            .map(drop)
    }

    /// Writes one field and returns what it held before.
    pub async fn update_field_return_old<P: TypedPath>(
        &self,
        key: impl Into<K>,
        path: P,
        value: impl Into<P::Value>,
    ) -> Result<Option<P::Value>> {
        let target = path.document_path().clone();
        let setters = Setters::new().set(path, value);
        let old = self.write(key, &setters, OldValues::Fetch, None).await?;
        decode_at(&target, old.raw(&target.to_string()).cloned())
    }

    /// Writes several fields and returns what each held before, by setter name.
    pub async fn update_multiple_fields_return_old(
        &self,
        key: impl Into<K>,
        setters: &Setters,
    ) -> Result<NamedValues> {
        self.write(key, setters, OldValues::Fetch, None).await
    }

    /// Applies the setters; the old values come back by setter name when `old` asks for them.
    async fn write(
        &self,
        key: impl Into<K>,
        setters: &Setters,
        old: OldValues,
        condition: Option<&Condition>,
    ) -> Result<NamedValues> {
        let writes = setters.resolve(self.core().model)?;
        for (path, _) in &writes {
            check_field_path(path)?;
        }
        let key = key.into();
        let key_item = self.core().key_item(&key)?;
        let paths: Vec<DocumentPath> = match old {
            OldValues::Skip => Vec::new(),
            OldValues::Fetch => writes.iter().map(|(path, _)| path.clone()).collect(),
        };
        let mut actions = writes
            .into_iter()
            .map(|(path, value)| UpdateAction::Set(path, value))
            .collect();
        self.core().computed_writes(&key, &mut actions)?;
        let old = self
            .backend
            .write(&key_item, actions, old, condition)
            .await?
            .old;
        let model = self.core().model;
        Ok(NamedValues::new(
            // The paths first: without old values there are none, and no name is made.
            paths
                .into_iter()
                .zip(setters.names())
                .map(|(path, name)| {
                    let before = document::get(&old, &path).cloned();
                    let before = transform::at_optional(model, &path, before, Direction::Read)?;
                    Ok((name, path, before))
                })
                .collect::<Result<_>>()?,
        ))
    }

    // ---- Deletes and removes ---------------------------------------------------------------

    /// Deletes one field; returns whether it was there. One UpdateItem; a record that does not exist
    /// is not created.
    pub async fn delete_field<P: TypedPath>(&self, key: impl Into<K>, path: P) -> Result<bool> {
        let removed = self.remove_one(key, path.document_path().clone()).await?;
        Ok(removed.value.is_some())
    }

    /// Deletes one field by string path; returns whether it was there.
    pub async fn delete_field_path(
        &self,
        key: impl Into<K>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
    ) -> Result<bool> {
        let path = self.resolve_one(path, keys)?;
        Ok(self.remove_one(key, path).await?.value.is_some())
    }

    /// Deletes named fields in one UpdateItem; returns, by name, whether each was there.
    pub async fn delete_multiple_fields(
        &self,
        key: impl Into<K>,
        removers: &Removers,
    ) -> Result<Vec<(String, bool)>> {
        let named = removers.resolve(self.core().model)?;
        let removed = self.remove(key, named, None).await?;
        Ok(removed
            .names()
            .map(|name| (name.to_owned(), removed.is_present(name)))
            .collect())
    }

    /// Removes one field and returns what it held.
    pub async fn remove_field<P: TypedPath>(
        &self,
        key: impl Into<K>,
        path: P,
    ) -> Result<Option<P::Value>> {
        Ok(self.remove_field_traced(key, path).await?.value)
    }

    /// [`Table::remove_field`], telling whether the removed value came from the cache: on a
    /// [`CachingTable`](super::CachingTable) that knew it, the remove is queued and nothing is sent
    /// (StructNoSQL's `fromCache`). Always `false` on a [`BasicTable`].
    pub async fn remove_field_traced<P: TypedPath>(
        &self,
        key: impl Into<K>,
        path: P,
    ) -> Result<FromCache<Option<P::Value>>> {
        let path = path.document_path().clone();
        let removed = self.remove_one(key, path.clone()).await?;
        Ok(FromCache {
            value: decode_at(&path, removed.value)?,
            from_cache: removed.from_cache,
        })
    }

    /// Removes one field by string path and returns what it held, as a `V`.
    pub async fn remove_field_path<V: Attribute>(
        &self,
        key: impl Into<K>,
        path: &str,
        keys: &(impl KeyValues + ?Sized),
    ) -> Result<Option<V>> {
        let path = self.resolve_one(path, keys)?;
        let removed = self.remove_one(key, path.clone()).await?;
        decode_at(&path, removed.value)
    }

    /// Removes several fields given as a tuple of typed paths in one UpdateItem, and returns what they
    /// held.
    pub async fn remove_fields<S: Selection>(
        &self,
        key: impl Into<K>,
        selection: S,
    ) -> Result<S::Values> {
        let named = selection
            .document_paths()
            .into_iter()
            .enumerate()
            .map(|(index, path)| (index.to_string(), path.clone()))
            .collect();
        let removed = self.remove(key, named, None).await?;
        let values = (0..removed.len())
            .map(|index| removed.raw(&index.to_string()).cloned())
            .collect();
        selection
            .decode(values)
            .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
    }

    /// Removes named fields in one UpdateItem and returns what each held.
    pub async fn remove_multiple_fields(
        &self,
        key: impl Into<K>,
        removers: &Removers,
    ) -> Result<NamedValues> {
        let named = removers.resolve(self.core().model)?;
        self.remove(key, named, None).await
    }

    /// Removes named fields in one UpdateItem if `condition` holds, and returns what each held;
    /// otherwise nothing is removed and the error is [`Error::ConditionFailed`], carrying the stored
    /// record. Sent at once, also by a [`CachingTable`](super::CachingTable).
    pub async fn remove_multiple_fields_if(
        &self,
        key: impl Into<K>,
        removers: &Removers,
        condition: &Condition,
    ) -> Result<NamedValues> {
        let named = removers.resolve(self.core().model)?;
        self.remove(key, named, Some(condition)).await
    }

    /// Removes one path and returns what it held, undecoded.
    async fn remove_one(
        &self,
        key: impl Into<K>,
        path: DocumentPath,
    ) -> Result<FromCache<Option<AttributeValue>>> {
        let removed = self
            .remove_traced(key, vec![(String::new(), path)], None)
            .await?;
        Ok(FromCache {
            value: removed.value.raw("").cloned(),
            from_cache: removed.from_cache,
        })
    }

    async fn remove(
        &self,
        key: impl Into<K>,
        named: Vec<(String, DocumentPath)>,
        condition: Option<&Condition>,
    ) -> Result<NamedValues> {
        Ok(self.remove_traced(key, named, condition).await?.value)
    }

    /// Removes the named paths; the values they held, and whether no request was sent.
    async fn remove_traced(
        &self,
        key: impl Into<K>,
        named: Vec<(String, DocumentPath)>,
        condition: Option<&Condition>,
    ) -> Result<FromCache<NamedValues>> {
        for (_, path) in &named {
            check_field_path(path)?;
            crate::model::validation::check_writable(self.core().model, path)?;
        }
        let key = key.into();
        let key_item = self.core().key_item(&key)?;
        let mut actions = named
            .iter()
            .map(|(_, path)| UpdateAction::Remove(path.clone()))
            .collect();
        self.core().computed_writes(&key, &mut actions)?;
        let written = self
            .backend
            .write(&key_item, actions, OldValues::Fetch, condition)
            .await?;
        let model = self.core().model;
        let values = NamedValues::new(
            named
                .into_iter()
                .map(|(name, path)| {
                    let before = document::get(&written.old, &path).cloned();
                    let before = transform::at_optional(model, &path, before, Direction::Read)?;
                    Ok((name, path, before))
                })
                .collect::<Result<_>>()?,
        );
        Ok(FromCache {
            value: values,
            from_cache: written.from_cache,
        })
    }
}

impl<M: TableDataModel, K: RecordKey, B: Backend> Table<M, K, B> {
    // ---- Queries ---------------------------------------------------------------------------

    /// Reads one field of every record a query finds (one page, one Query request).
    pub async fn query_field<P: ReadablePath>(
        &self,
        query: &Query,
        path: P,
    ) -> Result<QueryPage<K, Option<P::Value>>> {
        let path = path.read_path().clone();
        query_decoded(
            &*self.backend,
            query,
            std::slice::from_ref(&path),
            |mut item| decode_at(&path, document::take(&mut item, &path)),
        )
        .await
    }

    /// Reads several fields (a tuple of typed paths) of every record a query finds.
    pub async fn query_fields<S: Selection>(
        &self,
        query: &Query,
        selection: S,
    ) -> Result<QueryPage<K, S::Values>> {
        let paths: Vec<DocumentPath> = selection.document_paths().into_iter().cloned().collect();
        query_decoded(&*self.backend, query, &paths, |item| {
            selection
                .decode(values_at(Some(&item), &paths))
                .map_err(|violations| Error::stored_data_at(&DocumentPath::root(), violations))
        })
        .await
    }

    /// Reads named fields of every record a query finds.
    pub async fn query_multiple_fields(
        &self,
        query: &Query,
        getters: &Getters,
    ) -> Result<QueryPage<K, NamedValues>> {
        let named = getters.resolve(self.core().model)?;
        let paths: Vec<DocumentPath> = named.iter().map(|(_, path)| path.clone()).collect();
        query_decoded(&*self.backend, query, &paths, |item| {
            Ok(named_values(&named, &item))
        })
        .await
    }

    /// Every page of [`Table::query_field`], as a stream that sends the next request only when
    /// the next page is polled. The stream ends after the page that reaches the end (which may be
    /// empty, when the previous page ended exactly on the last record).
    pub fn paginated_query_field<P: ReadablePath>(
        &self,
        query: Query,
        path: P,
    ) -> impl Stream<Item = Result<QueryPage<K, Option<P::Value>>>> + Send + 'static {
        let path = path.read_path().clone();
        paginate(
            Arc::clone(&self.backend),
            query,
            vec![path.clone()],
            move |mut item: Item| decode_at::<P::Value>(&path, document::take(&mut item, &path)),
        )
    }

    /// Every page of [`Table::query_multiple_fields`], as a lazy stream.
    pub fn paginated_query_multiple_fields(
        &self,
        query: Query,
        getters: &Getters,
    ) -> Result<impl Stream<Item = Result<QueryPage<K, NamedValues>>> + Send + 'static> {
        let named = getters.resolve(self.core().model)?;
        let paths = named.iter().map(|(_, path)| path.clone()).collect();
        Ok(paginate(
            Arc::clone(&self.backend),
            query,
            paths,
            move |item: Item| Ok(named_values(&named, &item)),
        ))
    }
}

/// One page, each record keyed and decoded.
async fn query_decoded<K: RecordKey, V, B: Backend>(
    backend: &B,
    query: &Query,
    paths: &[DocumentPath],
    decode: impl Fn(Item) -> Result<V>,
) -> Result<QueryPage<K, V>> {
    for path in paths {
        check_field_path(path)?;
    }
    let (items, metadata) = backend.query(query, paths).await?;
    let records = items
        .into_iter()
        .map(|item| {
            let key = backend.core().key_of::<K>(&item)?;
            // Decoded from the item itself unless a transform made a copy of it.
            let transformed = match transform::read_paths(backend.core().model, paths, &item)? {
                std::borrow::Cow::Owned(copy) => Some(copy),
                std::borrow::Cow::Borrowed(_) => None,
            };
            Ok((key, decode(transformed.unwrap_or(item))?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(QueryPage { records, metadata })
}

/// Pages of a query as a lazy stream; an error ends the stream after it is yielded.
fn paginate<K: RecordKey, V: Send + 'static, B: Backend>(
    backend: Arc<B>,
    query: Query,
    paths: Vec<DocumentPath>,
    decode: impl Fn(Item) -> Result<V> + Send + Sync + 'static,
) -> impl Stream<Item = Result<QueryPage<K, V>>> + Send + 'static {
    let decode = Arc::new(decode);
    futures::stream::unfold(Some(query), move |next| {
        let (backend, paths, decode) = (Arc::clone(&backend), paths.clone(), Arc::clone(&decode));
        async move {
            let query = next?;
            match query_decoded(&*backend, &query, &paths, |item| decode(item)).await {
                Ok(page) => {
                    let following = (!page.metadata.has_reached_end)
                        .then(|| query.start_after(page.metadata.last_evaluated_key.clone()));
                    Some((Ok(page), following))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    })
}
