//! The caching table's atomic commit: every record's pending writes in one TransactWriteItems.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::defaults;
use crate::model::Item;
use crate::path::DocumentPath;
use crate::size;
use crate::table::core::TableCore;
use crate::table::retry::{already_applied, ExpectedVersion};
use crate::table::retry::{check_current, replan, Attempt};
use crate::table::trace::traced_attempts;
use crate::table::transaction::MAX_ACTIONS;
use crate::table::write::transact_update;

/// TransactWriteItems takes at most 4 MB.
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// One record's part of the transaction.
pub(crate) struct RecordWrites {
    pub(crate) key_item: Item,
    pub(crate) actions: Vec<UpdateAction>,
    pub(crate) created: Vec<DocumentPath>,
    /// For a versioned model: what the record's version must be; it is incremented.
    pub(crate) version: ExpectedVersion,
    /// Whether the record is known to exist (`None`: not known). A record not known to exist,
    /// whose model gives its own fields defaults, is written on condition that it exists, so that
    /// when it does not, the re-planned transaction creates it with them, as a single write would.
    pub(crate) exists: Option<bool>,
}

/// A token that makes a retried transaction idempotent (DynamoDB remembers it for 10 minutes).
pub(crate) fn request_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!(
        "snsql-{nanos:x}-{:x}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Sends every record's writes in one transaction: all are applied or none. Parents found missing by
/// a failed condition are created in a re-planned transaction, as a single write would.
pub(crate) async fn commit_atomically(
    core: &TableCore,
    mut records: Vec<RecordWrites>,
) -> Result<()> {
    if records.len() > MAX_ACTIONS {
        return Err(Error::TooManyActions {
            what: "an atomic commit".into(),
            count: records.len(),
            limit: MAX_ACTIONS,
            request: "TransactWriteItems",
        });
    }
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        return crate::external::client::commit_atomically(api, core, records).await;
    }
    let mut attempt = Attempt::FIRST;
    loop {
        records.retain(|record| !record.actions.is_empty());
        if records.is_empty() {
            return Ok(());
        }
        let mut items = Vec::with_capacity(records.len());
        let mut bytes = 0;
        for record in &records {
            let creates = record
                .actions
                .iter()
                .any(|action| matches!(action, UpdateAction::Set(..)));
            let must_exist = !core.updates_create_records
                || (record.exists.is_none()
                    && creates
                    && defaults::record_has_defaults(core.model));
            bytes += record
                .actions
                .iter()
                .map(|action| match action {
                    UpdateAction::Set(_, value) => size::value_bytes(value),
                    UpdateAction::Remove(_) => 0,
                })
                .sum::<usize>();
            let update = transact_update(
                core,
                &record.key_item,
                record.actions.clone(),
                &record.created,
                must_exist,
                Some(&record.version),
                None,
            )?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        if bytes > MAX_BYTES {
            return Err(Error::TooLarge {
                what: "an atomic commit".into(),
                bytes,
                limit: "4 MB per TransactWriteItems",
            });
        }
        let (outcome, attempts) = traced_attempts(
            core,
            "TransactWriteItems",
            None,
            core.client()?
                .transact_write_items()
                .set_transact_items(Some(items))
                .client_request_token(request_token())
                .set_return_consumed_capacity(core.consumed_capacity()),
            true,
        )
        .await;
        let error = match outcome {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let reasons = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                cancelled.cancellation_reasons().to_vec()
            }
            _ => return Err(Error::from_sdk("TransactWriteItems", error)),
        };
        // The token makes DynamoDB answer a retry of an applied transaction with success. Should a
        // retry be evaluated anyway, every record's condition fails against the transaction's own
        // result; when each record holds exactly what it wrote, the next version included, the
        // transaction was applied.
        let applied = attempts > 1
            && reasons.len() == records.len()
            && records.iter().zip(&reasons).all(|(record, reason)| {
                reason.code() == Some("ConditionalCheckFailed")
                    && reason.item().is_some_and(|current| {
                        already_applied(core, Some(&record.version), &record.actions, current)
                    })
            });
        if applied {
            return Ok(());
        }
        // Any reason but a failed condition is final; the records whose condition failed are
        // re-planned.
        let conditions_only = reasons.iter().all(|reason| {
            matches!(
                reason.code(),
                None | Some("None") | Some("ConditionalCheckFailed")
            )
        });
        if !conditions_only {
            let actions: Vec<String> = records
                .iter()
                .map(|record| format!("Update {}", core.describe_record(&record.key_item)))
                .collect();
            return Err(Error::transaction_canceled(&actions, &reasons));
        }
        for (record, reason) in records.iter_mut().zip(&reasons) {
            if reason.code() == Some("ConditionalCheckFailed") {
                let current = reason.item();
                let creates = record
                    .actions
                    .iter()
                    .any(|action| matches!(action, UpdateAction::Set(..)));
                check_current(
                    core,
                    &record.key_item,
                    Some(&record.version),
                    current,
                    creates,
                )?;
                record.exists = Some(current.is_some());
                let current = current.cloned().unwrap_or_default();
                (record.actions, record.created) = replan(
                    core,
                    &record.key_item,
                    std::mem::take(&mut record.actions),
                    &current,
                    record.exists == Some(true),
                );
            }
        }
        attempt = attempt.next("TransactWriteItems", || None)?;
    }
}
