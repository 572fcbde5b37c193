//! Whole-record requests: PutItem and DeleteItem.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValue;

use super::core::TableCore;
use crate::error::{Error, Result};
use crate::expr::Placeholders;
use crate::model::Item;
use crate::size::{item_bytes, MAX_ITEM_BYTES};

/// `attribute_exists(#hash)` or `attribute_not_exists(#hash)`, with its names.
fn key_condition(
    core: &TableCore,
    function: &str,
) -> (String, Option<std::collections::HashMap<String, String>>) {
    let mut placeholders = Placeholders::new();
    let hash = placeholders.name(&core.primary_index.hash_key);
    let (names, _) = placeholders.into_maps();
    (format!("{function}({hash})"), names)
}

/// Writes `item`, replacing any record with its key unless `only_if_absent`; returns whether it was
/// written. Refuses items over 400 KB before sending.
pub(crate) async fn put(
    core: &TableCore,
    key_item: &Item,
    item: Item,
    only_if_absent: bool,
) -> Result<bool> {
    let bytes = item_bytes(&item);
    if bytes > MAX_ITEM_BYTES {
        return Err(Error::TooLarge {
            what: format!("record {}", core.describe_record(key_item)),
            bytes,
            limit: "400 KB per item",
        });
    }
    let mut request = core
        .client
        .put_item()
        .table_name(&core.table_name)
        .set_item(Some(item));
    if only_if_absent {
        let (condition, names) = key_condition(core, "attribute_not_exists");
        request = request
            .condition_expression(condition)
            .set_expression_attribute_names(names);
    }
    match request.send().await {
        Ok(_) => Ok(true),
        Err(error)
            if matches!(
                error.as_service_error(),
                Some(PutItemError::ConditionalCheckFailedException(_))
            ) =>
        {
            Ok(false)
        }
        Err(error) => {
            Err(Error::from_sdk("PutItem", error).for_record(|| core.describe_record(key_item)))
        }
    }
}

/// Deletes the record, conditioned on its existing so that the answer is exact.
pub(crate) async fn delete(core: &TableCore, key_item: &Item) -> Result<bool> {
    let (condition, names) = key_condition(core, "attribute_exists");
    let outcome = core
        .client
        .delete_item()
        .table_name(&core.table_name)
        .set_key(Some(key_item.clone()))
        .condition_expression(condition)
        .set_expression_attribute_names(names)
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(error)
            if matches!(
                error.as_service_error(),
                Some(DeleteItemError::ConditionalCheckFailedException(_))
            ) =>
        {
            Ok(false)
        }
        Err(error) => {
            Err(Error::from_sdk("DeleteItem", error).for_record(|| core.describe_record(key_item)))
        }
    }
}

/// Deletes the record and returns it.
pub(crate) async fn remove(core: &TableCore, key_item: &Item) -> Result<Option<Item>> {
    let output = core
        .client
        .delete_item()
        .table_name(&core.table_name)
        .set_key(Some(key_item.clone()))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .map_err(|error| {
            Error::from_sdk("DeleteItem", error).for_record(|| core.describe_record(key_item))
        })?;
    Ok(output.attributes)
}
