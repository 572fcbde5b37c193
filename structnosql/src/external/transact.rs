//! Transactions through an executor: write and read transactions across the tables it serves, and a
//! caching table's atomic commit. Every action is checked against its table's model and allowed by
//! its table's policy, as the single-record operation of its kind, before anything is sent; then
//! all go to DynamoDB as one transaction.

use aws_sdk_dynamodb::types::{TransactGetItem, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use super::executor::{refusal, refusal_of, Executor};
use super::policy::{self, Caller};
use super::served::{limited, ServedTable};
use super::wire::{self, Refusal, RefusalKind, Write};
use crate::error::Error;
use crate::model::{Item, TableDataModel};
use crate::path::DocumentPath;
use crate::table::caching::RecordWrites;
use crate::table::transaction::{
    render_get, send_get, send_write, Cancelled, Planned, MAX_ACTIONS,
};
use crate::table::RecordKey;

/// A transaction's action, checked, allowed and rendered for DynamoDB.
pub(super) struct Rendered<T> {
    pub(super) item: T,
    /// The record's key attributes, as the caller named them.
    pub(super) key: Item,
    /// The client of the action's table (the transaction is sent with its first action's).
    pub(super) client: Client,
}

impl<M: TableDataModel, K: RecordKey> ServedTable<M, K> {
    /// One action of a write transaction: checked, shown to the policy, rendered.
    pub(super) fn plan_action(
        &self,
        caller: &Caller,
        name: &str,
        action: wire::TransactAction,
    ) -> Result<Rendered<TransactWriteItem>, Refusal> {
        let core = self.table.core();
        let (planned, key) = match action {
            wire::TransactAction::Put { record, condition } => {
                let (condition, reads) = self.condition(condition)?;
                let record = self.checked_record(record.0)?;
                let key = self.key_of_record(&record)?;
                self.key_item(&key)?;
                self.allow(
                    caller,
                    name,
                    policy::Operation::PutRecord,
                    &key,
                    &reads,
                    &[],
                )?;
                let planned = Planned::put::<K>(core, record, condition).map_err(refusal_of)?;
                (planned, key)
            }
            wire::TransactAction::Update {
                key,
                writes,
                condition,
            } => {
                let (condition, reads) = self.condition(condition)?;
                let key_item = self.key_item(&key.0)?;
                let writes = limited(writes)?;
                if writes.is_empty() || writes.iter().any(|w| matches!(w, Write::Remove { .. })) {
                    return Err(refusal(
                        RefusalKind::BadRequest,
                        "a transaction's update sets one value or more and removes nothing",
                    ));
                }
                let (actions, paths) = self.checked_writes(&key.0, writes)?;
                self.allow(
                    caller,
                    name,
                    policy::Operation::Update,
                    &key.0,
                    &reads,
                    &paths,
                )?;
                let planned = Planned::Update {
                    key_item,
                    actions,
                    condition,
                };
                (planned, key.0)
            }
            wire::TransactAction::Delete { key, condition } => {
                let (condition, reads) = self.condition(condition)?;
                let key_item = self.key_item(&key.0)?;
                self.allow(
                    caller,
                    name,
                    policy::Operation::DeleteRecord,
                    &key.0,
                    &reads,
                    &[],
                )?;
                let planned = Planned::Delete {
                    key_item,
                    condition,
                };
                (planned, key.0)
            }
            wire::TransactAction::Check { key, condition } => {
                let (condition, reads) = self.condition(Some(condition))?;
                let key_item = self.key_item(&key.0)?;
                // Whether a condition holds tells what the record holds at its paths: a read.
                self.allow(
                    caller,
                    name,
                    policy::Operation::GetFields,
                    &key.0,
                    &reads,
                    &[],
                )?;
                let condition = condition.ok_or_else(|| {
                    refusal(
                        RefusalKind::BadRequest,
                        "a condition check needs a condition",
                    )
                })?;
                let planned = Planned::Check {
                    key_item,
                    condition,
                };
                (planned, key.0)
            }
        };
        Ok(Rendered {
            item: planned.render(core).map_err(refusal_of)?,
            key,
            client: core.client().map_err(refusal_of)?.clone(),
        })
    }

    /// One read of a read transaction: checked, allowed as a `get_record`, rendered.
    pub(super) fn plan_read(
        &self,
        caller: &Caller,
        name: &str,
        key: &Item,
    ) -> Result<Rendered<TransactGetItem>, Refusal> {
        let core = self.table.core();
        let key_item = self.key_item(key)?;
        self.allow(caller, name, policy::Operation::GetRecord, key, &[], &[])?;
        Ok(Rendered {
            item: render_get(core, key_item).map_err(refusal_of)?,
            key: key.clone(),
            client: core.client().map_err(refusal_of)?.clone(),
        })
    }

    /// A caching table's atomic commit: every record checked and allowed, then all written in one
    /// transaction. A refusal concerning one record gives its position.
    pub(super) async fn atomic_commit(
        &self,
        caller: &Caller,
        name: &str,
        records: Vec<wire::AtomicRecord>,
    ) -> Result<Json, Refusal> {
        if records.len() > MAX_ACTIONS {
            return Err(refusal(
                RefusalKind::TooLarge,
                format!("an atomic commit writes at most {MAX_ACTIONS} records"),
            ));
        }
        let mut planned = Vec::with_capacity(records.len());
        for (position, record) in records.into_iter().enumerate() {
            let checked = self
                .atomic_record(caller, name, record)
                .map_err(|refusal| refusal.of_record(position))?;
            planned.push(checked);
        }
        let core = self.table.core();
        let described: Vec<String> = planned
            .iter()
            .map(|record| core.describe_record(&record.key_item))
            .collect();
        match crate::table::caching::commit_atomically(core, planned).await {
            Ok(()) => Ok(json!({ "committed": true })),
            Err(Error::TransactionCanceled { actions }) => Err(canceled(
                actions
                    .into_iter()
                    .map(|action| wire::CancelReason {
                        code: action.code.unwrap_or_else(|| "None".into()),
                        current: None,
                    })
                    .collect(),
            )),
            Err(error) => {
                let position = match &error {
                    Error::VersionConflict { record, .. } => {
                        described.iter().position(|described| described == record)
                    }
                    _ => None,
                };
                let refused = refusal_of(error);
                Err(match position {
                    Some(position) => refused.of_record(position),
                    None => refused,
                })
            }
        }
    }

    fn atomic_record(
        &self,
        caller: &Caller,
        name: &str,
        record: wire::AtomicRecord,
    ) -> Result<RecordWrites, Refusal> {
        let key_item = self.key_item(&record.key.0)?;
        let (actions, writes) = self.checked_writes(&record.key.0, limited(record.writes)?)?;
        let created: Vec<DocumentPath> = limited(record.created)?
            .into_iter()
            .map(|path| path.0)
            .collect();
        for path in &created {
            if !writes.contains(path) {
                return Err(Refusal::new(
                    RefusalKind::BadRequest,
                    format!("{path} is created but not written"),
                )
                .at(path.to_string()));
            }
        }
        self.allow(
            caller,
            name,
            policy::Operation::Update,
            &record.key.0,
            &[],
            &writes,
        )?;
        Ok(RecordWrites {
            key_item,
            actions,
            created,
            version: self
                .version(record.version)?
                .unwrap_or(crate::table::retry::ExpectedVersion::Any),
            exists: record.exists,
        })
    }
}

impl Executor {
    /// A write transaction: every action checked and allowed by its table, then all sent as one.
    pub(super) async fn transact_write(
        &self,
        caller: &Caller,
        actions: Vec<wire::TransactWriteAction>,
        token: Option<String>,
    ) -> Result<Json, Refusal> {
        let token = caller_token(caller, token)?;
        let tables: Vec<String> = actions.iter().map(|action| action.table.clone()).collect();
        let (items, keys, client) = self.rendered(actions, MAX_ACTIONS, |action| {
            let table = self.served(&action.table)?;
            table.transact_action(caller, &action.table, action.action)
        })?;
        match send_write(&client, "served", items, token).await {
            Ok(()) => Ok(json!({ "committed": true })),
            Err(Cancelled::Reasons(reasons)) => Err(canceled(
                reasons
                    .into_iter()
                    .zip(tables.iter().zip(&keys))
                    .map(|(reason, (table, key))| wire::CancelReason {
                        code: reason.code().unwrap_or("None").to_owned(),
                        // The record as stored, to a caller who may read it.
                        current: reason.item.and_then(|item| {
                            self.served(table).ok()?.shown(caller, table, key, item)
                        }),
                    })
                    .collect(),
            )),
            Err(Cancelled::Failed(error)) => Err(refusal_of(error)),
        }
    }

    /// A read transaction: every read checked and allowed by its table, then all sent as one.
    pub(super) async fn transact_get(
        &self,
        caller: &Caller,
        reads: Vec<wire::TransactGetRead>,
    ) -> Result<Json, Refusal> {
        let tables: Vec<String> = reads.iter().map(|read| read.table.clone()).collect();
        let (items, _, client) = self.rendered(reads, MAX_ACTIONS, |read| {
            self.served(&read.table)?
                .transact_read(caller, &read.table, &read.key.0)
        })?;
        let records = send_get(&client, "served", items)
            .await
            .map_err(refusal_of)?;
        let records: Vec<Json> = records
            .into_iter()
            .zip(&tables)
            .map(|(record, table)| match self.served(table) {
                Ok(table) => table.answer_record(record),
                Err(_) => Json::Null,
            })
            .collect();
        Ok(json!({ "records": records }))
    }

    /// Each of `actions` rendered by `render`, and the client of the first; a refusal names the
    /// action's position.
    fn rendered<A, T>(
        &self,
        actions: Vec<A>,
        limit: usize,
        render: impl Fn(A) -> Result<Rendered<T>, Refusal>,
    ) -> Result<(Vec<T>, Vec<Item>, Client), Refusal> {
        if actions.is_empty() || actions.len() > limit {
            return Err(refusal(
                RefusalKind::BadRequest,
                format!("a transaction has 1 to {limit} actions"),
            ));
        }
        let mut items = Vec::with_capacity(actions.len());
        let mut keys = Vec::with_capacity(actions.len());
        let mut client = None;
        for (position, action) in actions.into_iter().enumerate() {
            let rendered = render(action).map_err(|refusal| refusal.of_record(position))?;
            client.get_or_insert(rendered.client);
            items.push(rendered.item);
            keys.push(rendered.key);
        }
        let client = client.ok_or_else(|| refusal(RefusalKind::BadRequest, "no action"))?;
        Ok((items, keys, client))
    }
}

/// The refusal of a cancelled transaction, with each action's reason.
fn canceled(reasons: Vec<wire::CancelReason>) -> Refusal {
    let mut refusal = refusal(
        RefusalKind::TransactionCanceled,
        "the transaction was cancelled; nothing was written",
    );
    refusal.reasons = Some(reasons.into_boxed_slice());
    refusal
}

/// The client request token sent to DynamoDB for a caller's token: derived from both, so that
/// one caller's token never matches another's transaction. A new one when the caller gave none.
fn caller_token(caller: &Caller, token: Option<String>) -> Result<String, Refusal> {
    let Some(token) = token else {
        return Ok(crate::table::caching::request_token());
    };
    if token.is_empty() || token.len() > 36 {
        return Err(refusal(
            RefusalKind::BadRequest,
            "a transaction's token has 1 to 36 characters",
        ));
    }
    let digest = Sha256::new()
        .chain_update(caller.id().len().to_le_bytes())
        .chain_update(caller.id())
        .chain_update(&token)
        .finalize();
    // DynamoDB takes tokens of up to 36 characters: 18 bytes of the digest, in hex.
    Ok(digest
        .iter()
        .take(18)
        .map(|byte| format!("{byte:02x}"))
        .collect())
}
