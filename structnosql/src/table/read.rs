//! Field reads: one GetItem projecting every requested path.

use crate::document;
use crate::error::{Error, Result};
use crate::expr::{Placeholders, MAX_EXPRESSION_BYTES};
use crate::model::Item;
use crate::path::{DocumentPath, Segment};

use super::core::TableCore;
use super::trace::traced;

/// The paths to project so that every requested path can be read out of the result: a path inside a
/// list is read through the whole list (real DynamoDB returns the projected items of a list compacted,
/// which would shift indexes), and a path inside another requested path is read through that one
/// (DynamoDB rejects overlapping projections).
pub(crate) fn projected_paths<'a>(
    paths: impl IntoIterator<Item = &'a DocumentPath>,
) -> Vec<DocumentPath> {
    let mut projected: Vec<DocumentPath> = Vec::new();
    for path in paths {
        let cut = path
            .segments()
            .iter()
            .position(|segment| matches!(segment, Segment::Index(_)))
            .unwrap_or(path.depth());
        let path = path.prefix(cut);
        let Some(attribute) = path.segments().first() else {
            continue;
        };
        // Only paths from the same attribute can overlap (the usual paths are of distinct ones).
        let same_attribute = |kept: &DocumentPath| kept.segments().first() == Some(attribute);
        if projected.iter().any(same_attribute) {
            if projected.iter().any(|kept| path.starts_with(kept)) {
                continue;
            }
            projected.retain(|kept| !kept.starts_with(&path));
        }
        projected.push(path);
    }
    projected
}

/// Renders a projection, failing if it would pass DynamoDB's 4 KB.
pub(crate) fn projection(
    paths: &[DocumentPath],
    placeholders: &mut Placeholders,
) -> Result<String> {
    let mut expression = String::with_capacity(16 * paths.len());
    for (position, path) in paths.iter().enumerate() {
        if position > 0 {
            expression.push_str(", ");
        }
        placeholders.push_path(&mut expression, path);
    }
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(Error::TooLarge {
            what: "the projection of the requested fields".into(),
            bytes: expression.len(),
            limit: "4 KB of ProjectionExpression",
        });
    }
    Ok(expression)
}

/// Reads `paths` of the record `key_item` in one consistent GetItem; `None` if there is no record.
pub(crate) async fn get_paths(
    core: &TableCore,
    key_item: &Item,
    paths: &[DocumentPath],
) -> Result<Option<Item>> {
    #[cfg(feature = "external-client")]
    if let Some(api) = core.external() {
        return crate::external::client::get_paths(api, core, key_item, paths).await;
    }
    let mut placeholders = Placeholders::new();
    let projected = projected_paths(paths);
    let expression = projection(&projected, &mut placeholders)?;
    let (names, _) = placeholders.into_maps();
    let output = traced(
        core,
        "GetItem",
        Some(key_item),
        core.client()?
            .get_item()
            .table_name(&core.table_name)
            .set_key(Some(key_item.clone()))
            .consistent_read(true)
            .set_projection_expression((!projected.is_empty()).then_some(expression))
            .set_expression_attribute_names(names)
            .set_return_consumed_capacity(core.consumed_capacity()),
    )
    .await
    .map_err(|error| {
        Error::from_sdk("GetItem", error).for_record(|| core.describe_record(key_item))
    })?;
    Ok(output.item)
}

/// The value at each path in `item`.
pub(crate) fn values_at(
    item: Option<&Item>,
    paths: &[DocumentPath],
) -> Vec<Option<aws_sdk_dynamodb::types::AttributeValue>> {
    paths
        .iter()
        .map(|path| item.and_then(|item| document::get(item, path)).cloned())
        .collect()
}
