//! What the operations share: field paths checked, values read decoded, named values built.

use aws_sdk_dynamodb::types::AttributeValue;

use super::selectors::NamedValues;
use crate::document;
use crate::error::{Error, Result};
use crate::model::{Attribute, Item};
use crate::path::{DocumentPath, MAX_DEPTH};

/// Refuses paths DynamoDB would reject: the record itself, empty names, more than 32 levels.
pub(crate) fn check_field_path(path: &DocumentPath) -> Result<()> {
    if path.is_root() {
        return Err(Error::InvalidPath {
            path: path.to_string(),
            reason: "a field operation needs a path to a field; use the record operations for the whole record".into(),
        });
    }
    if path.depth() > MAX_DEPTH {
        return Err(Error::TooDeep {
            path: path.to_string(),
            depth: path.depth(),
        });
    }
    if path
        .segments()
        .iter()
        .any(|segment| segment.name().is_some_and(str::is_empty))
    {
        return Err(Error::InvalidPath {
            path: path.to_string(),
            reason: "DynamoDB does not accept an empty attribute name or map key".into(),
        });
    }
    Ok(())
}

/// The values at the named paths of `item`, as `NamedValues`.
pub(crate) fn named_values(named: &[(String, DocumentPath)], item: &Item) -> NamedValues {
    NamedValues::new(
        named
            .iter()
            .map(|(name, path)| {
                (
                    name.clone(),
                    path.clone(),
                    document::get(item, path).cloned(),
                )
            })
            .collect(),
    )
}

/// Decodes a value read at `path`.
pub(crate) fn decode_at<T: Attribute>(
    path: &DocumentPath,
    value: Option<AttributeValue>,
) -> Result<Option<T>> {
    value
        .map(|value| {
            T::from_attribute(value).map_err(|violations| Error::stored_data_at(path, violations))
        })
        .transpose()
}
