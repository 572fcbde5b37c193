//! Whole-record requests: PutItem and DeleteItem.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::core::TableCore;
use super::trace::{traced, traced_attempts};
use crate::error::{Error, Result};
use crate::expr::{Condition, Placeholders};
use crate::model::version;
use crate::model::Item;
use crate::size::{item_bytes, MAX_ITEM_BYTES};

/// What a record write (PutItem) is conditioned on.
#[derive(Debug, Clone, Copy)]
pub enum PutCondition<'a> {
    /// Nothing: the record is replaced.
    None,
    /// No record with the key exists; otherwise nothing is written and the put answers `false`.
    Absent,
    /// The caller's condition; otherwise [`Error::ConditionFailed`].
    Holds(&'a Condition),
}

/// What the version check of a versioned put found wrong, if the condition failed on it.
fn version_conflict(
    core: &TableCore,
    key_item: &Item,
    expected: Option<&AttributeValue>,
    current: Option<&Item>,
) -> Option<Error> {
    let name = core.model.version_field()?;
    let found = current.and_then(|item| item.get(name));
    (found != expected || current.is_none() != expected.is_none()).then(|| Error::VersionConflict {
        record: core.describe_record(key_item),
        expected: expected.and_then(|v| v.as_n().ok().cloned()),
        found: found.and_then(|v| v.as_n().ok().cloned()),
    })
}

/// A PutItem ready to send: the item (with its next version, for a versioned model) and its
/// condition.
pub(crate) struct PreparedPut {
    pub(crate) item: Item,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<std::collections::HashMap<String, String>>,
    pub(crate) values: Option<std::collections::HashMap<String, AttributeValue>>,
    /// For a versioned model, the version the item had (the one expected in DynamoDB).
    pub(crate) expected_version: Option<Option<AttributeValue>>,
}

/// Prepares the PutItem of `item` under `condition`; refuses items over 400 KB. For a model with a
/// version field, the write is conditioned on the stored version being the item's (or on there being
/// no record when the item has none) and stores the next version.
pub(crate) fn prepare_put(
    core: &TableCore,
    key_item: &Item,
    mut item: Item,
    condition: PutCondition<'_>,
) -> Result<PreparedPut> {
    let mut placeholders = Placeholders::new();
    let mut clauses = Vec::new();
    let expected_version = match core.model.version_field() {
        Some(name) => {
            let expected = item.get(name).cloned();
            let next = version::next(expected.as_ref()).map_err(|message| Error::Validation {
                violations: vec![crate::model::Violation {
                    path: crate::path::DocumentPath::root(),
                    message: format!("{name}: {message}"),
                }],
            })?;
            clauses.push(match &expected {
                Some(value) => format!(
                    "{} = {}",
                    placeholders.name(name),
                    placeholders.value(value.clone())
                ),
                None => format!(
                    "attribute_not_exists({})",
                    placeholders.name(&core.primary_index.hash_key)
                ),
            });
            item.insert(name.to_owned(), next);
            Some(expected)
        }
        None => None,
    };
    let bytes = item_bytes(&item);
    if bytes > MAX_ITEM_BYTES {
        return Err(Error::TooLarge {
            what: format!("record {}", core.describe_record(key_item)),
            bytes,
            limit: "400 KB per item",
        });
    }
    match condition {
        PutCondition::None => {}
        PutCondition::Absent => clauses.push(format!(
            "attribute_not_exists({})",
            placeholders.name(&core.primary_index.hash_key)
        )),
        PutCondition::Holds(caller) => clauses.push(format!(
            "({})",
            caller.render(core.model, &mut placeholders)?
        )),
    }
    let (names, values) = placeholders.into_maps();
    Ok(PreparedPut {
        item,
        condition: (!clauses.is_empty()).then(|| clauses.join(" AND ")),
        names,
        values,
        expected_version,
    })
}

/// Writes `item`; returns whether it was written (`false` only for [`PutCondition::Absent`] when the
/// record exists). See [`prepare_put`].
pub(crate) async fn put(
    core: &TableCore,
    key_item: &Item,
    item: Item,
    condition: PutCondition<'_>,
) -> Result<bool> {
    let prepared = prepare_put(core, key_item, item, condition)?;
    send_put(core, key_item, prepared, condition).await
}

/// Like [`put`], returning what was written (the next version included), for a cache to keep.
pub(crate) async fn put_keeping(
    core: &TableCore,
    key_item: &Item,
    item: Item,
    condition: PutCondition<'_>,
) -> Result<Option<Item>> {
    let prepared = prepare_put(core, key_item, item, condition)?;
    let kept = prepared.item.clone();
    Ok(send_put(core, key_item, prepared, condition)
        .await?
        .then_some(kept))
}

async fn send_put(
    core: &TableCore,
    key_item: &Item,
    prepared: PreparedPut,
    condition: PutCondition<'_>,
) -> Result<bool> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        // The API's server checks and increments the version itself: it is sent the record as
        // given, with the version it expects.
        let mut item = prepared.item;
        if let (Some(name), Some(expected)) =
            (core.model.version_field(), prepared.expected_version)
        {
            match expected {
                Some(version) => item.insert(name.to_owned(), version),
                None => item.remove(name),
            };
        }
        let (if_absent, condition) = match condition {
            PutCondition::None => (false, None),
            PutCondition::Absent => (true, None),
            PutCondition::Holds(condition) => (false, Some(condition)),
        };
        return crate::external::client::put(api, core, key_item, item, if_absent, condition).await;
    }
    let expected_version = prepared.expected_version;
    // What a conditioned put writes, to recognise it in the item a failed retry returns.
    let written = prepared.condition.is_some().then(|| prepared.item.clone());
    let (outcome, attempts) = traced_attempts(
        core,
        "PutItem",
        Some(key_item),
        core.client()?
            .put_item()
            .table_name(&core.table_name)
            .set_item(Some(prepared.item))
            // The current item is only wanted when a condition can fail.
            .set_return_values_on_condition_check_failure(
                prepared
                    .condition
                    .is_some()
                    .then_some(ReturnValuesOnConditionCheckFailure::AllOld),
            )
            .set_condition_expression(prepared.condition)
            .set_expression_attribute_names(prepared.names)
            .set_expression_attribute_values(prepared.values)
            .set_return_consumed_capacity(core.consumed_capacity()),
        written.is_some(),
    )
    .await;
    let error = match outcome {
        Ok(_) => return Ok(true),
        Err(error) => error,
    };
    let Some(PutItemError::ConditionalCheckFailedException(failed)) = error.as_service_error()
    else {
        return Err(Error::from_sdk("PutItem", error).for_record(|| core.describe_record(key_item)));
    };
    let current = failed.item().cloned();
    // The SDK sent the put again after DynamoDB had applied it (its answer was lost), and the retry's
    // condition failed against the put's own result: the record holds exactly what was written
    // (for a versioned model, the next version included). A put sent once never lands here.
    if attempts > 1 && written.is_some() && current == written {
        return Ok(true);
    }
    if let Some(expected) = &expected_version {
        if let Some(conflict) =
            version_conflict(core, key_item, expected.as_ref(), current.as_ref())
        {
            return Err(conflict);
        }
    }
    match condition {
        PutCondition::Absent if current.is_some() => Ok(false),
        _ => Err(Error::ConditionFailed {
            operation: "PutItem",
            record: core.describe_record(key_item),
            current: current.map(Box::new),
        }),
    }
}

/// Deletes the record, conditioned on its existing so that the answer is exact, and on the caller's
/// condition if any.
pub(crate) async fn delete(
    core: &TableCore,
    key_item: &Item,
    condition: Option<&Condition>,
) -> Result<bool> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        return crate::external::client::delete(api, core, key_item, condition).await;
    }
    let mut placeholders = Placeholders::new();
    let mut expression = format!(
        "attribute_exists({})",
        placeholders.name(&core.primary_index.hash_key)
    );
    if let Some(caller) = condition {
        expression = format!(
            "{expression} AND ({})",
            caller.render(core.model, &mut placeholders)?
        );
    }
    let (names, values) = placeholders.into_maps();
    let outcome = traced(
        core,
        "DeleteItem",
        Some(key_item),
        core.client()?
            .delete_item()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .set_return_consumed_capacity(core.consumed_capacity()),
    )
    .await;
    let error = match outcome {
        Ok(_) => return Ok(true),
        Err(error) => error,
    };
    match error.as_service_error() {
        Some(DeleteItemError::ConditionalCheckFailedException(failed)) => match failed.item() {
            // The record is there: the caller's condition failed.
            Some(current) if condition.is_some() => Err(Error::ConditionFailed {
                operation: "DeleteItem",
                record: core.describe_record(key_item),
                current: Some(Box::new(current.clone())),
            }),
            _ => Ok(false),
        },
        _ => {
            Err(Error::from_sdk("DeleteItem", error).for_record(|| core.describe_record(key_item)))
        }
    }
}

/// Deletes the record and returns it.
pub(crate) async fn remove(core: &TableCore, key_item: &Item) -> Result<Option<Item>> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        return crate::external::client::remove(api, core, key_item).await;
    }
    let output = traced(
        core,
        "DeleteItem",
        Some(key_item),
        core.client()?
            .delete_item()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .return_values(ReturnValue::AllOld)
            .set_return_consumed_capacity(core.consumed_capacity()),
    )
    .await
    .map_err(|error| {
        Error::from_sdk("DeleteItem", error).for_record(|| core.describe_record(key_item))
    })?;
    Ok(output.attributes)
}
