//! Transactions across records and tables: [`WriteTransaction`] (TransactWriteItems) and
//! [`ReadTransaction`] (TransactGetItems).

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, ReturnValuesOnConditionCheckFailure, TransactGetItem,
    TransactWriteItem,
};
use aws_sdk_dynamodb::Client;

use super::api::Table;
use super::backend::{Backend, CacheHook, PutCondition};
use super::core::TableCore;
use super::key::RecordKey;
use super::leading_key::strip_hash_prefix;
use super::records::prepare_put;
use super::retry::ExpectedVersion;
use super::selectors::Setters;
use super::trace::traced_across;
use super::write::transact_update;
use crate::error::{Error, Result};
use crate::expr::{Condition, Placeholders, UpdateAction};
use crate::model::{Item, TableDataModel};

/// DynamoDB's limit of actions per transaction.
pub(crate) const MAX_ACTIONS: usize = 100;

/// What a transaction's action needs to tell the cache of a [`CachingTable`](super::CachingTable).
struct Touched {
    hook: Arc<dyn CacheHook>,
    key_item: Item,
}

impl std::fmt::Debug for Touched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Touched")
            .field("key_item", &self.key_item)
            .finish_non_exhaustive()
    }
}

/// Writes to up to 100 records, in one or more tables, applied all or none (one TransactWriteItems).
///
/// Each action is checked and rendered when it is added (model validation, key checks, conditions,
/// the version check of versioned models); [`WriteTransaction::commit`] sends them with a client
/// request token, so a retried commit is applied once. A cancelled transaction is
/// [`Error::TransactionCanceled`], with DynamoDB's reason per action. Field updates in a transaction
/// are one request each, so the parents they write into must exist (a missing parent cancels the
/// transaction with `ConditionalCheckFailed`).
///
/// ```no_run
/// # use structnosql::table::{BasicTable, Setters, WriteTransaction};
/// # use structnosql::expr::Condition;
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Account { id: String, balance: Option<i64> }
/// # async fn run(accounts: BasicTable<Account>) -> structnosql::Result<()> {
/// let balance = Account::fields().balance();
/// WriteTransaction::new()
///     .update_if(&accounts, "a", &Setters::new().set(balance.clone(), 50), &Condition::eq(balance.clone(), 100))?
///     .update(&accounts, "b", &Setters::new().set(balance.clone(), 150))?
///     .commit()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct WriteTransaction {
    items: Vec<TransactWriteItem>,
    actions: Vec<String>,
    touched: Vec<Touched>,
    /// The tables written, for tracing.
    tables: Vec<String>,
    client: Option<Client>,
    token: Option<String>,
}

impl std::fmt::Debug for WriteTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTransaction")
            .field("actions", &self.actions)
            .finish()
    }
}

impl WriteTransaction {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// The client request token to send (any string up to 36 characters); by default a new one per
    /// transaction. Reusing the token of a commit whose answer was lost makes DynamoDB apply it once.
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The actions added so far, described.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    fn add<M, K, B: Backend>(
        mut self,
        table: &Table<M, K, B>,
        key_item: Item,
        description: String,
        item: TransactWriteItem,
    ) -> Result<Self> {
        if self.items.len() >= MAX_ACTIONS {
            return Err(Error::TooManyActions {
                what: "a transaction".into(),
                count: self.items.len() + 1,
                limit: MAX_ACTIONS,
                request: "TransactWriteItems",
            });
        }
        let core = table.backend.core();
        let client = core.client()?.clone();
        self.client.get_or_insert(client);
        if !self.tables.contains(&core.table_name) {
            self.tables.push(core.table_name.clone());
        }
        self.touched.push(Touched {
            hook: table.backend.cache_hook(),
            key_item,
        });
        self.actions.push(description);
        self.items.push(item);
        Ok(self)
    }

    /// Writes the whole record (replacing any record with its key; for a versioned model, checking
    /// and incrementing the version).
    pub fn put<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        record: &M,
    ) -> Result<Self> {
        self.put_under(table, record, PutCondition::None)
    }

    /// Writes the whole record if `condition` holds for the stored record.
    pub fn put_if<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        record: &M,
        condition: &Condition,
    ) -> Result<Self> {
        self.put_under(table, record, PutCondition::Holds(condition))
    }

    fn put_under<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        record: &M,
        condition: PutCondition<'_>,
    ) -> Result<Self> {
        let core = table.backend.core();
        let mut item = record.to_item()?;
        core.add_leading_key(&mut item);
        let key_item = core.key_item_of::<K>(&item)?;
        let prepared = prepare_put(core, &key_item, item, condition)?;
        let put = Put::builder()
            .table_name(&core.table_name)
            .set_item(Some(prepared.item))
            .set_condition_expression(prepared.condition)
            .set_expression_attribute_names(prepared.names)
            .set_expression_attribute_values(prepared.values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|error| Error::request_build("TransactWriteItems", error))?;
        let description = format!("Put {}", core.describe_record(&key_item));
        self.add(
            table,
            key_item,
            description,
            TransactWriteItem::builder().put(put).build(),
        )
    }

    /// Writes fields of a record (creating the record if the table allows it).
    pub fn update<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        setters: &Setters,
    ) -> Result<Self> {
        self.update_under(table, key, setters, None)
    }

    /// Writes fields of a record if `condition` holds.
    pub fn update_if<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        setters: &Setters,
        condition: &Condition,
    ) -> Result<Self> {
        self.update_under(table, key, setters, Some(condition))
    }

    fn update_under<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        setters: &Setters,
        condition: Option<&Condition>,
    ) -> Result<Self> {
        let core = table.backend.core();
        let key_item = core.key_item(&key.into())?;
        let actions = setters
            .resolve(core.model)?
            .into_iter()
            .map(|(path, value)| {
                super::values::check_field_path(&path)?;
                Ok(UpdateAction::Set(path, value))
            })
            .collect::<Result<Vec<_>>>()?;
        let update = transact_update(
            core,
            &key_item,
            actions,
            &[],
            !core.updates_create_records,
            Some(&ExpectedVersion::Any),
            condition,
        )?;
        let description = format!("Update {}", core.describe_record(&key_item));
        self.add(
            table,
            key_item,
            description,
            TransactWriteItem::builder().update(update).build(),
        )
    }

    /// Deletes a record (nothing happens if there is none).
    pub fn delete<M, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
    ) -> Result<Self> {
        self.delete_under(table, key, None)
    }

    /// Deletes a record if `condition` holds.
    pub fn delete_if<M, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        condition: &Condition,
    ) -> Result<Self> {
        self.delete_under(table, key, Some(condition))
    }

    fn delete_under<M, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        condition: Option<&Condition>,
    ) -> Result<Self> {
        let core = table.backend.core();
        let key_item = core.key_item(&key.into())?;
        let (expression, names, values) = render_condition(core, condition)?;
        let delete = Delete::builder()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|error| Error::request_build("TransactWriteItems", error))?;
        let description = format!("Delete {}", core.describe_record(&key_item));
        self.add(
            table,
            key_item,
            description,
            TransactWriteItem::builder().delete(delete).build(),
        )
    }

    /// Requires `condition` to hold for a record the transaction does not write.
    pub fn check<M, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        condition: &Condition,
    ) -> Result<Self> {
        let core = table.backend.core();
        let key_item = core.key_item(&key.into())?;
        let (expression, names, values) = render_condition(core, Some(condition))?;
        let check = ConditionCheck::builder()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|error| Error::request_build("TransactWriteItems", error))?;
        let description = format!("ConditionCheck {}", core.describe_record(&key_item));
        self.add(
            table,
            key_item,
            description,
            TransactWriteItem::builder().condition_check(check).build(),
        )
    }

    /// Sends the transaction. Pending writes a [`CachingTable`](super::CachingTable) holds for the
    /// records involved are committed first, and what it cached of them is forgotten afterwards.
    pub async fn commit(self) -> Result<()> {
        let Some(client) = self.client else {
            return Ok(());
        };
        for touched in &self.touched {
            touched.hook.flush(&touched.key_item).await?;
        }
        let token = self.token.unwrap_or_else(super::caching::request_token);
        let outcome = traced_across(
            &self.tables.join(","),
            "TransactWriteItems",
            client
                .transact_write_items()
                .set_transact_items(Some(self.items))
                .client_request_token(token),
        )
        .await;
        for touched in &self.touched {
            touched.hook.forget(&touched.key_item);
        }
        let error = match outcome {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Err(
                Error::transaction_canceled(&self.actions, cancelled.cancellation_reasons()),
            ),
            _ => Err(Error::from_sdk("TransactWriteItems", error)),
        }
    }
}

/// The caller's condition alone, rendered.
type RenderedCondition = (
    Option<String>,
    Option<std::collections::HashMap<String, String>>,
    Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
);

fn render_condition(core: &TableCore, condition: Option<&Condition>) -> Result<RenderedCondition> {
    let mut placeholders = Placeholders::new();
    let expression = condition
        .map(|condition| condition.render(core.model, &mut placeholders))
        .transpose()?;
    let (names, values) = placeholders.into_maps();
    Ok((expression, names, values))
}

/// A record read by a [`ReadTransaction`], taken from its results with [`ReadResults::take`].
#[derive(Debug)]
pub struct Slot<M> {
    index: usize,
    model: PhantomData<fn() -> M>,
}

/// Reads of up to 100 records, in one or more tables, as one consistent snapshot (one
/// TransactGetItems).
///
/// ```no_run
/// # use structnosql::table::{BasicTable, ReadTransaction};
/// # use structnosql::TableDataModel;
/// # #[derive(TableDataModel)] struct Account { id: String, balance: Option<i64> }
/// # async fn run(accounts: BasicTable<Account>) -> structnosql::Result<()> {
/// let mut reads = ReadTransaction::new();
/// let a = reads.get(&accounts, "a")?;
/// let b = reads.get(&accounts, "b")?;
/// let mut results = reads.commit().await?;
/// let (a, b) = (results.take(a)?, results.take(b)?);
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct ReadTransaction {
    items: Vec<TransactGetItem>,
    /// Per read, the hash key attribute and the table's leading key, if it has one.
    leading_keys: Vec<Option<(String, String)>>,
    /// The tables read, for tracing.
    tables: Vec<String>,
    client: Option<Client>,
    /// The records read, whose pending writes (in a caching table) go first.
    touched: Vec<Touched>,
}

impl ReadTransaction {
    /// An empty read.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the read of a whole record; its result is taken with the returned slot.
    pub fn get<M: TableDataModel, K: RecordKey, B: Backend>(
        &mut self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
    ) -> Result<Slot<M>> {
        if self.items.len() >= MAX_ACTIONS {
            return Err(Error::TooManyActions {
                what: "a read transaction".into(),
                count: self.items.len() + 1,
                limit: MAX_ACTIONS,
                request: "TransactGetItems",
            });
        }
        let core = table.backend.core();
        let key_item = core.key_item(&key.into())?;
        let get = Get::builder()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .build()
            .map_err(|error| Error::request_build("TransactWriteItems", error))?;
        self.touched.push(Touched {
            hook: table.backend.cache_hook(),
            key_item,
        });
        let client = core.client()?.clone();
        self.client.get_or_insert(client);
        if !self.tables.contains(&core.table_name) {
            self.tables.push(core.table_name.clone());
        }
        self.items.push(TransactGetItem::builder().get(get).build());
        self.leading_keys.push(
            core.leading_key
                .clone()
                .map(|prefix| (core.primary_index.hash_key.clone(), prefix)),
        );
        Ok(Slot {
            index: self.items.len() - 1,
            model: PhantomData,
        })
    }

    /// Sends the reads. Pending writes a [`CachingTable`](super::CachingTable) holds for the records
    /// read are committed first, so the snapshot shows them, as the table's own reads do.
    pub async fn commit(self) -> Result<ReadResults> {
        let Some(client) = self.client else {
            return Ok(ReadResults {
                items: Vec::new(),
                leading_keys: Vec::new(),
            });
        };
        for touched in &self.touched {
            touched.hook.flush(&touched.key_item).await?;
        }
        let output = traced_across(
            &self.tables.join(","),
            "TransactGetItems",
            client
                .transact_get_items()
                .set_transact_items(Some(self.items)),
        )
        .await
        .map_err(|error| Error::from_sdk("TransactGetItems", error))?;
        Ok(ReadResults {
            items: output
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|response| response.item)
                .collect(),
            leading_keys: self.leading_keys,
        })
    }
}

/// What a [`ReadTransaction`] read.
#[derive(Debug)]
pub struct ReadResults {
    items: Vec<Option<Item>>,
    leading_keys: Vec<Option<(String, String)>>,
}

impl ReadResults {
    /// The record of `slot`, decoded; `None` if there was none.
    pub fn take<M: TableDataModel>(&mut self, slot: Slot<M>) -> Result<Option<M>> {
        let leading_key = self.leading_keys.get(slot.index).cloned().flatten();
        self.items
            .get_mut(slot.index)
            .and_then(Option::take)
            .map(|item| match &leading_key {
                Some((hash_key, prefix)) => M::from_item(strip_hash_prefix(item, hash_key, prefix)),
                None => M::from_item(item),
            })
            .transpose()
    }
}
