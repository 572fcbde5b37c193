//! Transactions across records and tables: [`WriteTransaction`] (TransactWriteItems) and
//! [`ReadTransaction`] (TransactGetItems).

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Get, Put, ReturnValuesOnConditionCheckFailure,
    TransactGetItem, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;

use super::api::Table;
use super::backend::{Backend, CacheHook, PutCondition};
use super::config::PrimaryIndex;
use super::core::{describe_record, Store, TableCore};
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
    /// `None` for a table without a cache.
    hook: Option<Arc<dyn CacheHook>>,
    key_item: Item,
}

/// What describes a write transaction's action besides its record's key.
#[derive(Debug)]
struct Label {
    /// As [`Planned::kind`] names it.
    kind: &'static str,
    /// The action's table, by position in [`WriteTransaction::tables`].
    table: usize,
}

/// A table written by a transaction: its name (for tracing) and its key (to describe records).
#[derive(Debug)]
struct Written {
    name: String,
    primary_index: PrimaryIndex,
}

impl std::fmt::Debug for Touched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Touched")
            .field("key_item", &self.key_item)
            .finish_non_exhaustive()
    }
}

/// One action of a write transaction, checked against its table's model: what is rendered for
/// DynamoDB (here or by an external API's server) or sent to an external API.
#[derive(Debug)]
pub(crate) enum Planned {
    /// Writes the whole `item` (key attributes as stored included).
    Put {
        key_item: Item,
        item: Item,
        condition: Option<Condition>,
    },
    /// Sets values at paths.
    Update {
        key_item: Item,
        actions: Vec<UpdateAction>,
        condition: Option<Condition>,
    },
    /// Deletes the record.
    Delete {
        key_item: Item,
        condition: Option<Condition>,
    },
    /// Requires the condition to hold.
    Check {
        key_item: Item,
        condition: Condition,
    },
}

impl Planned {
    /// The put of a whole record, as stored (the table's leading key or an entity's computed
    /// attributes added).
    pub(crate) fn put<K: RecordKey>(
        core: &TableCore,
        mut item: Item,
        condition: Option<Condition>,
    ) -> Result<Self> {
        core.complete_item(&mut item)?;
        let key_item = core.key_item_of::<K>(&item)?;
        Ok(Planned::Put {
            key_item,
            item,
            condition,
        })
    }

    pub(crate) fn key_item(&self) -> &Item {
        match self {
            Planned::Put { key_item, .. }
            | Planned::Update { key_item, .. }
            | Planned::Delete { key_item, .. }
            | Planned::Check { key_item, .. } => key_item,
        }
    }

    /// The action's kind, as [`CancelledAction::action`](crate::error::CancelledAction) names it.
    fn kind(&self) -> &'static str {
        match self {
            Planned::Put { .. } => "Put",
            Planned::Update { .. } => "Update",
            Planned::Delete { .. } => "Delete",
            Planned::Check { .. } => "ConditionCheck",
        }
    }

    /// The action as DynamoDB takes it, on `core`'s table.
    pub(crate) fn render(self, core: &TableCore) -> Result<TransactWriteItem> {
        let failed = |error| Error::request_build("TransactWriteItems", error);
        let all_old = ReturnValuesOnConditionCheckFailure::AllOld;
        // A Delete or a ConditionCheck (two builder types with the same calls) of one record.
        macro_rules! on_record {
            ($builder:expr, $key_item:expr, $condition:expr) => {{
                let (expression, names, values) = render_condition(core, $condition)?;
                $builder
                    .table_name(&core.table_name)
                    .set_key(Some($key_item))
                    .set_condition_expression(expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(all_old.clone())
                    .build()
                    .map_err(failed)?
            }};
        }
        Ok(match self {
            Planned::Put {
                key_item,
                item,
                condition,
            } => {
                let condition = match &condition {
                    Some(condition) => PutCondition::Holds(condition),
                    None => PutCondition::None,
                };
                let prepared = prepare_put(core, &key_item, item, condition)?;
                let put = Put::builder()
                    .table_name(&core.table_name)
                    .set_item(Some(prepared.item))
                    .set_condition_expression(prepared.condition)
                    .set_expression_attribute_names(prepared.names)
                    .set_expression_attribute_values(prepared.values)
                    .return_values_on_condition_check_failure(all_old)
                    .build()
                    .map_err(failed)?;
                TransactWriteItem::builder().put(put).build()
            }
            Planned::Update {
                key_item,
                actions,
                condition,
            } => {
                let update = transact_update(
                    core,
                    &key_item,
                    actions,
                    &[],
                    !core.updates_create_records,
                    Some(&ExpectedVersion::Any),
                    condition.as_ref(),
                )?;
                TransactWriteItem::builder().update(update).build()
            }
            Planned::Delete {
                key_item,
                condition,
            } => {
                let delete = on_record!(Delete::builder(), key_item, condition.as_ref());
                TransactWriteItem::builder().delete(delete).build()
            }
            Planned::Check {
                key_item,
                condition,
            } => {
                let check = on_record!(ConditionCheck::builder(), key_item, Some(&condition));
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }
}

/// Where a transaction's actions go: all to DynamoDB, or all to one external API (whose server
/// sends them as one transaction).
#[derive(Debug)]
enum Route {
    DynamoDb(Client),
    #[cfg(feature = "external-client")]
    External(crate::external::ExternalApi),
}

/// Joins `core`'s table to a transaction's route: the first table sets it, the others must share it.
fn join_route<'a>(route: &'a mut Option<Route>, core: &TableCore) -> Result<&'a Route> {
    let own = match &core.store {
        Store::DynamoDb(client) => Route::DynamoDb(client.clone()),
        #[cfg(feature = "external-client")]
        Store::External(api) => Route::External(api.clone()),
    };
    let Some(existing) = route else {
        return Ok(route.insert(own));
    };
    let shared = match (&*existing, &own) {
        (Route::DynamoDb(_), Route::DynamoDb(_)) => true,
        #[cfg(feature = "external-client")]
        (Route::External(first), Route::External(api)) => first.same_endpoint(api),
        #[cfg(feature = "external-client")]
        _ => false,
    };
    if !shared {
        return Err(Error::Config {
            message: format!(
                "table {} is not reached as the transaction's other tables are (DynamoDB, or one \
                 external API): one transaction cannot span both",
                core.table_name
            ),
        });
    }
    Ok(existing)
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
/// The tables of one transaction are all direct, or all of one external API (whose server checks,
/// allows and sends the actions as one transaction); a transaction spanning both is refused with
/// [`Error::Config`] when the action is added.
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
    route: Option<Route>,
    /// The actions rendered for DynamoDB, on a direct route.
    items: Vec<TransactWriteItem>,
    /// The actions for an external API's server, on an external route.
    #[cfg(feature = "external-client")]
    wire: Vec<crate::external::wire::TransactWriteAction>,
    touched: Vec<Touched>,
    /// Per action, what describes it besides its key (in `touched`).
    labels: Vec<Label>,
    /// The tables written.
    tables: Vec<Written>,
    /// The actions described, made when first asked for (describing is not free, and most
    /// transactions are never described).
    described: OnceLock<Vec<String>>,
    token: Option<String>,
}

impl std::fmt::Debug for WriteTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTransaction")
            .field("actions", &self.actions())
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
        self.described
            .get_or_init(|| describe(&self.tables, &self.labels, &self.touched))
    }

    fn add<M, K, B: Backend>(mut self, table: &Table<M, K, B>, planned: Planned) -> Result<Self> {
        if self.touched.len() >= MAX_ACTIONS {
            return Err(Error::TooManyActions {
                what: "a transaction".into(),
                count: self.touched.len() + 1,
                limit: MAX_ACTIONS,
                request: "TransactWriteItems",
            });
        }
        let core = table.backend.core();
        let kind = planned.kind();
        let key_item = planned.key_item().clone();
        match join_route(&mut self.route, core)? {
            Route::DynamoDb(_) => self.items.push(planned.render(core)?),
            #[cfg(feature = "external-client")]
            Route::External(_) => self
                .wire
                .push(crate::external::client::transact_action(core, planned)?),
        }
        let table_position =
            match (self.tables.iter()).position(|written| written.name == core.table_name) {
                Some(position) => position,
                None => {
                    self.tables.push(Written {
                        name: core.table_name.clone(),
                        primary_index: core.primary_index.clone(),
                    });
                    self.tables.len() - 1
                }
            };
        self.touched.push(Touched {
            hook: table.backend.cache_hook(),
            key_item,
        });
        self.labels.push(Label {
            kind,
            table: table_position,
        });
        self.described = OnceLock::new();
        Ok(self)
    }

    /// Writes the whole record (replacing any record with its key; for a versioned model, checking
    /// and incrementing the version).
    pub fn put<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        record: &M,
    ) -> Result<Self> {
        let planned = Planned::put::<K>(table.backend.core(), record.to_item()?, None)?;
        self.add(table, planned)
    }

    /// Writes the whole record if `condition` holds for the stored record.
    pub fn put_if<M: TableDataModel, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        record: &M,
        condition: &Condition,
    ) -> Result<Self> {
        let core = table.backend.core();
        let planned = Planned::put::<K>(core, record.to_item()?, Some(condition.clone()))?;
        self.add(table, planned)
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
        let key = key.into();
        let key_item = core.key_item(&key)?;
        let mut actions = setters
            .resolve(core.model)?
            .into_iter()
            .map(|(path, value)| {
                super::values::check_field_path(&path)?;
                Ok(UpdateAction::Set(path, value))
            })
            .collect::<Result<Vec<_>>>()?;
        core.computed_writes(&key, &mut actions)?;
        let planned = Planned::Update {
            key_item,
            actions,
            condition: condition.cloned(),
        };
        self.add(table, planned)
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
        let key_item = table.backend.core().key_item(&key.into())?;
        let planned = Planned::Delete {
            key_item,
            condition: condition.cloned(),
        };
        self.add(table, planned)
    }

    /// Requires `condition` to hold for a record the transaction does not write.
    pub fn check<M, K: RecordKey, B: Backend>(
        self,
        table: &Table<M, K, B>,
        key: impl Into<K>,
        condition: &Condition,
    ) -> Result<Self> {
        let key_item = table.backend.core().key_item(&key.into())?;
        let planned = Planned::Check {
            key_item,
            condition: condition.clone(),
        };
        self.add(table, planned)
    }

    /// Sends the transaction. Pending writes a [`CachingTable`](super::CachingTable) holds for the
    /// records involved are committed first, and what it cached of them is forgotten afterwards.
    pub async fn commit(self) -> Result<()> {
        let Some(route) = self.route else {
            return Ok(());
        };
        for touched in &self.touched {
            if let Some(hook) = &touched.hook {
                hook.flush(&touched.key_item).await?;
            }
        }
        let token = self.token.unwrap_or_else(super::caching::request_token);
        let outcome = match route {
            Route::DynamoDb(client) => {
                let names: Vec<&str> = self
                    .tables
                    .iter()
                    .map(|written| written.name.as_str())
                    .collect();
                send_write(&client, &names.join(","), self.items, token)
                    .await
                    .map_err(|cancelled| {
                        cancelled.into_error(&describe(&self.tables, &self.labels, &self.touched))
                    })
            }
            #[cfg(feature = "external-client")]
            Route::External(api) => {
                let described = describe(&self.tables, &self.labels, &self.touched);
                crate::external::client::transact_write(&api, self.wire, token, &described).await
            }
        };
        for touched in &self.touched {
            if let Some(hook) = &touched.hook {
                hook.forget(&touched.key_item);
            }
        }
        outcome
    }
}

/// Each action of a transaction as [`CancelledAction::action`](crate::error::CancelledAction) names
/// it: its kind and its record.
fn describe(tables: &[Written], labels: &[Label], touched: &[Touched]) -> Vec<String> {
    labels
        .iter()
        .zip(touched)
        .map(|(label, action)| {
            let record = match tables.get(label.table) {
                Some(table) => describe_record(&table.name, &table.primary_index, &action.key_item),
                None => String::new(),
            };
            format!("{} {record}", label.kind)
        })
        .collect()
}

/// Sends one TransactWriteItems.
pub(crate) async fn send_write(
    client: &Client,
    tables: &str,
    items: Vec<TransactWriteItem>,
    token: String,
) -> std::result::Result<(), Cancelled> {
    let outcome = traced_across(
        tables,
        "TransactWriteItems",
        client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token),
    )
    .await;
    let error = match outcome {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    match error.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Err(
            Cancelled::Reasons(cancelled.cancellation_reasons().to_vec()),
        ),
        _ => Err(Cancelled::Failed(Error::from_sdk(
            "TransactWriteItems",
            error,
        ))),
    }
}

/// Why a transaction was not applied.
#[derive(Debug)]
pub(crate) enum Cancelled {
    /// DynamoDB cancelled it: its reason per action.
    Reasons(Vec<CancellationReason>),
    /// It failed otherwise.
    Failed(Error),
}

impl Cancelled {
    /// The error, naming the transaction's `actions`.
    pub(crate) fn into_error(self, actions: &[String]) -> Error {
        match self {
            Cancelled::Reasons(reasons) => Error::transaction_canceled(actions, &reasons),
            Cancelled::Failed(error) => error,
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
    route: Option<Route>,
    /// The reads for DynamoDB, on a direct route.
    items: Vec<TransactGetItem>,
    /// The reads for an external API's server, on an external route.
    #[cfg(feature = "external-client")]
    wire: Vec<crate::external::wire::TransactGetRead>,
    /// Per read, the hash key attribute and the table's leading key, if it has one.
    leading_keys: Vec<Option<(String, String)>>,
    /// The tables read, for tracing.
    tables: Vec<String>,
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
        if self.leading_keys.len() >= MAX_ACTIONS {
            return Err(Error::TooManyActions {
                what: "a read transaction".into(),
                count: self.leading_keys.len() + 1,
                limit: MAX_ACTIONS,
                request: "TransactGetItems",
            });
        }
        let core = table.backend.core();
        let key_item = core.key_item(&key.into())?;
        match join_route(&mut self.route, core)? {
            Route::DynamoDb(_) => self.items.push(render_get(core, key_item.clone())?),
            #[cfg(feature = "external-client")]
            Route::External(_) => self.wire.push(crate::external::client::transact_read(
                core,
                key_item.clone(),
            )),
        }
        self.touched.push(Touched {
            hook: table.backend.cache_hook(),
            key_item,
        });
        if !self.tables.contains(&core.table_name) {
            self.tables.push(core.table_name.clone());
        }
        self.leading_keys.push(
            core.leading_key
                .clone()
                .map(|prefix| (core.primary_index.hash_key.clone(), prefix)),
        );
        Ok(Slot {
            index: self.leading_keys.len() - 1,
            model: PhantomData,
        })
    }

    /// Sends the reads. Pending writes a [`CachingTable`](super::CachingTable) holds for the records
    /// read are committed first, so the snapshot shows them, as the table's own reads do.
    pub async fn commit(self) -> Result<ReadResults> {
        let Some(route) = self.route else {
            return Ok(ReadResults {
                items: Vec::new(),
                leading_keys: Vec::new(),
            });
        };
        for touched in &self.touched {
            if let Some(hook) = &touched.hook {
                hook.flush(&touched.key_item).await?;
            }
        }
        let items = match route {
            Route::DynamoDb(client) => {
                send_get(&client, &self.tables.join(","), self.items).await?
            }
            #[cfg(feature = "external-client")]
            Route::External(api) => crate::external::client::transact_get(&api, self.wire).await?,
        };
        Ok(ReadResults {
            items,
            leading_keys: self.leading_keys,
        })
    }
}

/// The read of a whole record, as DynamoDB takes it.
pub(crate) fn render_get(core: &TableCore, key_item: Item) -> Result<TransactGetItem> {
    let get = Get::builder()
        .table_name(&core.table_name)
        .set_key(Some(key_item))
        .build()
        .map_err(|error| Error::request_build("TransactGetItems", error))?;
    Ok(TransactGetItem::builder().get(get).build())
}

/// Sends one TransactGetItems: the items read, in order.
pub(crate) async fn send_get(
    client: &Client,
    tables: &str,
    items: Vec<TransactGetItem>,
) -> Result<Vec<Option<Item>>> {
    let output = traced_across(
        tables,
        "TransactGetItems",
        client.transact_get_items().set_transact_items(Some(items)),
    )
    .await
    .map_err(|error| Error::from_sdk("TransactGetItems", error))?;
    Ok(output
        .responses
        .unwrap_or_default()
        .into_iter()
        .map(|response| response.item)
        .collect())
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
