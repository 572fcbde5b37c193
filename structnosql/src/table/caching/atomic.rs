//! The caching table's atomic commit: every record's pending writes in one TransactWriteItems.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use crate::document;
use crate::error::{Error, Result};
use crate::expr::UpdateAction;
use crate::model::defaults;
use crate::model::Item;
use crate::path::DocumentPath;
use crate::size;
use crate::table::core::TableCore;
use crate::table::trace::traced_attempts;
use crate::table::write::{
    already_applied, prepare_single_update, rewrite, version_conflict, ExpectedVersion,
    PreparedUpdate,
};

/// TransactWriteItems takes at most 100 actions and 4 MB.
const MAX_ACTIONS: usize = 100;
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// How many times the transaction is re-planned after a condition found parents missing.
const MAX_ATTEMPTS: usize = 4;

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
        return Err(Error::TooLarge {
            what: format!("an atomic commit of {} records", records.len()),
            bytes: 0,
            limit: "100 records per TransactWriteItems",
        });
    }
    for _ in 0..MAX_ATTEMPTS {
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
            let PreparedUpdate {
                expression,
                condition,
                names,
                values,
            } = prepare_single_update(
                core,
                &record.key_item,
                record.actions.clone(),
                &record.created,
                must_exist,
                Some(&record.version),
                None,
            )?;
            let update = Update::builder()
                .table_name(&core.table_name)
                .set_key(Some(record.key_item.clone()))
                .update_expression(expression)
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build()
                .map_err(|error| Error::Config {
                    message: error.to_string(),
                })?;
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
            core.client
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
        // Re-plan the records whose condition failed; any other reason is final.
        for (record, reason) in records.iter_mut().zip(&reasons) {
            match reason.code() {
                None | Some("None") => {}
                Some("ConditionalCheckFailed") => {
                    let current = reason.item().cloned();
                    if current.is_none() && !core.updates_create_records {
                        return Err(Error::RecordNotFound {
                            record: core.describe_record(&record.key_item),
                        });
                    }
                    record.exists = Some(current.is_some());
                    let current = current.unwrap_or_default();
                    if let Some(conflict) =
                        version_conflict(core, &record.key_item, &record.version, &current)
                    {
                        return Err(conflict);
                    }
                    (record.actions, record.created) = rewrite(
                        core.model,
                        std::mem::take(&mut record.actions),
                        &|path: &DocumentPath| Some(document::existing_depth(&current, path)),
                        &|path: &DocumentPath| Some(document::get(&current, path).is_some()),
                        (record.exists == Some(false)).then_some(&record.key_item),
                    );
                }
                Some(code) => {
                    return Err(Error::Service {
                        operation: "TransactWriteItems",
                        record: Some(core.describe_record(&record.key_item)),
                        code: code.to_owned(),
                        message: reason
                            .message()
                            .unwrap_or("the transaction was cancelled")
                            .to_owned(),
                        source: Box::new(error),
                    })
                }
            }
        }
    }
    Err(Error::Service {
        operation: "TransactWriteItems",
        record: None,
        code: "TransactionCanceledException".into(),
        message: format!("the records kept changing during {MAX_ATTEMPTS} attempts"),
        source: "concurrent writers".into(),
    })
}
